fn main() -> anyhow::Result<()> {
    schemahero_watcher::entry::main()
}
