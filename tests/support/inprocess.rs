//! The library's plan, in process, against a fake: a client and a runtime for it.

use mcpform::client::{Client, ClientConfig};
use mcpform::secret::Secret;

use super::fake_proxy::FakeProxy;

/// A client of `fake` with its master key, and a current-thread runtime to drive it.
pub fn client_for(fake: &FakeProxy) -> (Client, tokio::runtime::Runtime) {
    let client = Client::new(ClientConfig::new(
        fake.base_url(),
        Secret::new(fake.master_key()),
    ))
    .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (client, runtime)
}
