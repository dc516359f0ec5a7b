//! The Lambda API over HTTP: the control plane (functions, account) and the
//! invoke endpoint, with AWS's paths, shapes, status codes and errors.
//!
//! Owns the edge: every request is parsed and validated here into typed
//! inputs before the store or the invoker sees it. Does not persist anything
//! itself (lambdalite-store does) nor run functions (lambdalite-invoke does).

mod aliases;
pub mod async_events;
pub mod auth;
pub mod code_objects;
mod concurrency;
mod deployments;
mod error;
pub mod esm;
mod event_config;
mod extract;
mod functions;
pub mod gateway;
#[cfg(test)]
mod hostile;
mod invoke;
mod layers;
mod policy;
mod provisioned;
mod recursion;
mod stream;
mod tags;
mod urls;
mod versions;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use lambdalite_model::{LambdaError, Partition};
use lambdalite_store::{CodeStore, Store};

pub use deployments::Deployments;
pub use error::{ApiError, ApiResult};

/// What the API needs to answer requests.
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub code: CodeStore,
    pub partition: Partition,
    /// The account's concurrency limit, as GetAccountSettings reports it.
    pub account_concurrency: u32,
    /// Runs functions.
    pub invoker: Arc<lambdalite_invoke::Invoker>,
    /// Traffic-shifting deployments since start.
    pub deployments: deployments::Deployments,
    /// Accepted asynchronous invocations.
    pub async_runner: Arc<async_events::AsyncRunner>,
    /// The credentials requests are checked against.
    pub auth: auth::Auth,
    /// API Gateway-style APIs: parsed definitions, authorizers' answers.
    pub gateway: gateway::Gateway,
    /// Event source mappings' pollers.
    pub mappings: Arc<lambdalite_events::Mappings>,
    /// Where packages given as S3 objects are read (set once S3 runs).
    pub code_objects: std::sync::OnceLock<Arc<dyn code_objects::CodeObjects>>,
}

/// Brings the invoker's view in line with the store and starts delivering
/// queued asynchronous invocations. Call once, after building the state.
pub fn start(state: &Arc<AppState>) {
    for f in state.store.list() {
        if let Some(n) = f.reserved_concurrency {
            state
                .invoker
                .admission()
                .set_reserved(&f.latest.name, Some(n));
        }
        for qualifier in f.provisioned.keys() {
            provisioned::apply(state, &f, qualifier);
        }
    }
    tokio::spawn(state.async_runner.clone().run(state.clone()));
    state.mappings.set_functions(Arc::new(esm::ApiFunctions {
        state: Arc::downgrade(state),
    }));
    esm::resume(state);
}

/// The whole HTTP application.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/2015-03-31/functions",
            post(functions::create).get(functions::list),
        )
        .route(
            "/2015-03-31/functions/",
            post(functions::create).get(functions::list),
        )
        .route(
            "/2015-03-31/functions/{name}",
            get(functions::get_function).delete(functions::delete),
        )
        .route(
            "/2015-03-31/functions/{name}/configuration",
            get(functions::get_configuration).put(functions::update_configuration),
        )
        .route(
            "/2015-03-31/functions/{name}/code",
            axum::routing::put(functions::update_code),
        )
        .route(
            "/2015-03-31/functions/{name}/versions",
            post(versions::publish).get(versions::list),
        )
        .route(
            "/2015-03-31/functions/{name}/aliases",
            post(aliases::create).get(aliases::list),
        )
        .route(
            "/2015-03-31/functions/{name}/aliases/{alias}",
            get(aliases::get)
                .put(aliases::update)
                .delete(aliases::delete),
        )
        .route("/2018-10-31/layers", get(layers::list_layers))
        .route("/2018-10-31/layers/", get(layers::list_layers))
        .route(
            "/2018-10-31/layers/{layer}/versions",
            post(layers::publish).get(layers::list_versions),
        )
        .route(
            "/2018-10-31/layers/{layer}/versions/{version}",
            get(layers::get_version).delete(layers::delete_version),
        )
        .route(
            "/2018-10-31/layers/{layer}/versions/{version}/policy",
            post(layers::add_permission).get(layers::get_policy),
        )
        .route(
            "/2018-10-31/layers/{layer}/versions/{version}/policy/{sid}",
            axum::routing::delete(layers::remove_permission),
        )
        .route(
            "/2017-10-31/functions/{name}/concurrency",
            axum::routing::put(concurrency::put).delete(concurrency::delete),
        )
        .route(
            "/2019-09-30/functions/{name}/concurrency",
            get(concurrency::get),
        )
        .route(
            "/2021-10-31/functions/{name}/url",
            post(urls::create)
                .put(urls::update)
                .get(urls::get)
                .delete(urls::delete),
        )
        .route("/2021-10-31/functions/{name}/urls", get(urls::list))
        .route(recursion::PATH, recursion::routes())
        .route(
            "/2019-09-30/functions/{name}/provisioned-concurrency",
            axum::routing::put(provisioned::put)
                .get(provisioned::get_or_list)
                .delete(provisioned::delete),
        )
        .route(
            "/2019-09-25/functions/{name}/event-invoke-config",
            axum::routing::put(event_config::put)
                .post(event_config::update)
                .get(event_config::get)
                .delete(event_config::delete),
        )
        .route(
            "/2019-09-25/functions/{name}/event-invoke-config/list",
            get(event_config::list),
        )
        .route(
            "/2015-03-31/functions/{name}/policy",
            post(policy::add_permission).get(policy::get_policy),
        )
        .route(
            "/2015-03-31/functions/{name}/policy/{sid}",
            axum::routing::delete(policy::remove_permission),
        )
        .route(
            "/2017-03-31/tags/{arn}",
            post(tags::tag_resource)
                .get(tags::list_tags)
                .delete(tags::untag_resource),
        )
        .route(
            "/2015-03-31/functions/{name}/invocations",
            post(invoke::invoke),
        )
        .route(
            "/2021-11-15/functions/{name}/response-streaming-invocations",
            post(stream::invoke_with_response_stream),
        )
        .route(
            "/2014-11-13/functions/{name}/invoke-async",
            post(invoke::invoke_async),
        )
        .route(
            "/2014-11-13/functions/{name}/invoke-async/",
            post(invoke::invoke_async),
        )
        .route(
            "/2016-08-19/account-settings",
            get(functions::account_settings),
        )
        .route(
            "/2016-08-19/account-settings/",
            get(functions::account_settings),
        )
        .route(
            "/2015-03-31/event-source-mappings",
            post(esm::create).get(esm::list),
        )
        .route(
            "/2015-03-31/event-source-mappings/",
            post(esm::create).get(esm::list),
        )
        .route(
            "/2015-03-31/event-source-mappings/{uuid}",
            get(esm::get).put(esm::update).delete(esm::delete),
        )
        .route("/_lambdalite/code/{file}", get(functions::download_code))
        .route(
            "/_lambdalite/deployments",
            post(deployments::start).get(deployments::list),
        )
        .route("/_lambdalite/deployments/{id}", get(deployments::get))
        .route(
            "/_lambdalite/apis",
            get(gateway::list).post(gateway::create),
        )
        .route(
            "/_lambdalite/apis/{id}",
            get(gateway::get).put(gateway::put).delete(gateway::delete),
        )
        .fallback(unknown_operation)
        .method_not_allowed_fallback(unknown_operation)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            urls::dispatch,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            gateway::dispatch,
        ))
        .with_state(state)
}

async fn unknown_operation(req: Request) -> ApiError {
    ApiError(LambdaError::UnknownOperation(format!(
        "No operation matches {} {}",
        req.method(),
        req.uri().path()
    )))
}

/// The id of one API request, made before the operation runs so that an
/// invocation can carry it (an extension of the request).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> RequestId {
        RequestId(uuid::Uuid::new_v4().to_string())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

/// Gives every request an id and every response its `x-amzn-RequestId`.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = RequestId::new();
    let header = HeaderValue::from_str(&id.0).ok();
    req.extensions_mut().insert(id);
    let mut resp = next.run(req).await;
    if let Some(v) = header {
        resp.headers_mut().entry("x-amzn-RequestId").or_insert(v);
    }
    resp
}
