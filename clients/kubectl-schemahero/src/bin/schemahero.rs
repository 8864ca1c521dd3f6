fn main() -> std::process::ExitCode {
    kubectl_schemahero::main_entry()
}
