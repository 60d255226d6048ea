#[tokio::main]
async fn main() -> std::process::ExitCode {
    match labelsync_server::run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("labelsync: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
