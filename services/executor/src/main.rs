fn main() -> anyhow::Result<()> {
    schemahero_executor::entry::main()
}
