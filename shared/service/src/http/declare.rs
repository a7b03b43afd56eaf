//! The macro behind [`super::routes`]: from one declaration per route it writes the `Function`
//! enum with `Function::ALL`, the `ROUTES` table (method, path, function, template event, auth kind,
//! idempotency policy, caching) and each function's own handlers, so a function's binary names, and links,
//! only the handlers of its routes.

/// Declares every function and its routes:
///
/// ```text
/// /// What the function does.
/// Variant "package-name" CONSTANT handlers_fn {
///     TemplateEvent: METHOD "/path/{param}" => module::handler, auth Public|Signup|Member[, idempotent][, cacheable];
/// }
/// ```
macro_rules! declare_routes {
    // The flags of a route, in any order; an unknown flag matches no rule and does not compile.
    (@idempotent) => { false };
    (@idempotent idempotent $($rest:ident)*) => { true };
    (@idempotent cacheable $($rest:ident)*) => { $crate::http::declare::declare_routes!(@idempotent $($rest)*) };
    (@cacheable) => { false };
    (@cacheable cacheable $($rest:ident)*) => { true };
    (@cacheable idempotent $($rest:ident)*) => { $crate::http::declare::declare_routes!(@cacheable $($rest)*) };
    ($(
        $(#[doc = $doc:literal])*
        $function:ident $name:literal $lambda:ident $handlers:ident {
            $( $event:ident : $method:ident $path:literal => $handler:path, auth $auth:ident $(, $flag:ident)* ; )+
        }
    )+) => {
        /// The Lambda functions of the service; each serves the routes declared under it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Function {
            $( $(#[doc = $doc])* $function, )+
        }

        impl Function {
            /// Every function with routes, in declaration order.
            pub const ALL: [Function; [$(stringify!($function)),+].len()] = [$(Function::$function),+];

            /// The package and function name (`functions/<name>`).
            pub fn name(self) -> &'static str {
                match self {
                    $( Function::$function => $name, )+
                }
            }

            /// The prefix of its resources in template.yaml (`<Resource>Function`, `<Resource>LogGroup`).
            pub fn resource(self) -> &'static str {
                match self {
                    $( Function::$function => stringify!($function), )+
                }
            }

            /// Its own handlers: evaluated in a constant, the function pointer is the only one kept.
            pub const fn handlers(self) -> $crate::http::Handlers {
                match self {
                    $( Function::$function => handlers::$handlers, )+
                }
            }
        }

        /// Every public route of API.md and the function that serves it.
        pub static ROUTES: [$crate::http::Route; [$($(stringify!($event)),+),+].len()] = [
            $($(
                $crate::http::Route {
                    method: ::axum::http::Method::$method,
                    path: $path,
                    function: Function::$function,
                    event: stringify!($event),
                    auth: $crate::http::Auth::$auth,
                    idempotency: $crate::http::Idempotency::of(
                        $crate::http::Auth::$auth,
                        $crate::http::declare::declare_routes!(@idempotent $($flag)*),
                    ),
                    cacheable: $crate::http::declare::declare_routes!(@cacheable $($flag)*),
                },
            )+)+
        ];

        /// Each function's handlers, in its own [`Handlers`]($crate::http::Handlers).
        pub mod handlers {
            #[allow(unused_imports)]
            use super::*;
            use ::axum::routing::{on, MethodFilter, MethodRouter};
            use $crate::app::Service;
            use $crate::http::Route;

            /// Any route of the table (the local server and the tests serve them all).
            pub fn all(route: &Route) -> MethodRouter<Service> {
                (route.function.handlers())(route)
            }

            fn missing(route: &Route) -> ! {
                unreachable!("route {} {} has no handler in {}", route.method, route.path, route.function.name())
            }

            $(
                pub fn $handlers(route: &Route) -> MethodRouter<Service> {
                    $(
                        if route.method == ::axum::http::Method::$method && route.path == $path {
                            return on(MethodFilter::$method, $handler);
                        }
                    )+
                    missing(route)
                }
            )+
        }
    };
}

pub(crate) use declare_routes;

/// From the same declarations, the runtime of each function's binary (`crate::lambda`): each
/// `functions/<name>/src/main.rs` runs its own constant.
macro_rules! declare_lambdas {
    ($(
        $(#[doc = $doc:literal])*
        $function:ident $name:literal $lambda:ident $handlers:ident {
            $( $event:ident : $method:ident $path:literal => $handler:path, auth $auth:ident $(, $flag:ident)* ; )+
        }
    )+) => {
        $( pub const $lambda: Lambda = Lambda::of(Function::$function); )+
    };
}

pub(crate) use declare_lambdas;
