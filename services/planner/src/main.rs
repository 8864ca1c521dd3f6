fn main() -> anyhow::Result<()> {
    schemahero_planner::entry::main()
}
