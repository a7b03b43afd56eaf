//! Every route of the service, declared once: its template event, method, path, handler, the
//! caller it authenticates (`auth`: `Public`, `Signup` for a sign-up session's token, `Member` for
//! an access token) and whether an `Idempotency-Key` is honoured for that caller (`idempotent`).
//! The routers of every function, the idempotency policy, `Function::ALL`, the Lambda constants
//! and (through `cargo run -p local-api --bin generate`) the watch router and template.yaml's
//! HttpApi events all come from here; the README's "Adding a function or a route" says how.
//!
//! `Idempotency-Key` (API.md, Conventions) is honoured on the POSTs whose caller is known and
//! whose effect must not happen twice; never where a saved answer could hand a secret to whoever
//! repeats the key (a new sign-up's token, sign-in, refresh, recovery).

use super::declare::declare_routes;
use super::{certification, identity, members, oauth, reference, signup};

/// The declarations, handed to `$callback`: `declare_routes` here, `declare_lambdas` in
/// `crate::lambda` (so the HTTP layer does not depend on the functions' runtime).
macro_rules! route_declarations {
    ($callback:ident) => {
        $callback! {
            /// Sign-up's first step, the reference data and, behind API Gateway, the catch-all.
            StartSignup "start-signup" START_SIGNUP start_signup {
                GetHealthz: GET "/healthz" => reference::healthz, auth Public, cacheable;
                GetTerms: GET "/v1/terms" => reference::terms, auth Public, cacheable;
                GetLibraries: GET "/v1/libraries" => reference::libraries, auth Public, cacheable;
                GetUsername: GET "/v1/usernames/{username}" => reference::username_availability, auth Public;
                PostSignups: POST "/v1/signups" => signup::start_signup, auth Public;
            }
            RecordConsent "record-consent" RECORD_CONSENT record_consent {
                PostConsents: POST "/v1/signups/{signupId}/consents" => signup::record_consent, auth Signup, idempotent;
            }
            VerifyIdentity "verify-identity" VERIFY_IDENTITY verify_identity {
                PostIdentity: POST "/v1/signups/{signupId}/identity" => signup::verify_identity, auth Signup, idempotent;
                PostIdentityRequests: POST "/v1/identity/requests" => identity::create_request, auth Public;
                PostIdentityReturn: POST "/v1/identity/return" => identity::return_page, auth Public;
            }
            CompleteSignup "complete-signup" COMPLETE_SIGNUP complete_signup {
                PostMember: POST "/v1/signups/{signupId}/member" => signup::complete_signup, auth Signup, idempotent;
            }
            SignIn "sign-in" SIGN_IN sign_in {
                PostSessions: POST "/v1/sessions" => members::sign_in, auth Public;
                PostSessionsRefresh: POST "/v1/sessions/refresh" => members::refresh, auth Public;
                DeleteSessionsCurrent: DELETE "/v1/sessions/current" => members::sign_out, auth Member;
            }
            MemberProfile "member-profile" MEMBER_PROFILE member_profile {
                GetMe: GET "/v1/members/me" => members::me, auth Member;
                PatchMe: PATCH "/v1/members/me" => members::change_contact, auth Member;
                DeleteMe: DELETE "/v1/members/me" => members::withdraw, auth Member;
                PostPassword: POST "/v1/members/me/password" => members::change_password, auth Member, idempotent;
                PostConsentRenewal: POST "/v1/members/me/consents/renewal" => members::renew_consent, auth Member, idempotent;
                GetExport: GET "/v1/members/me/export" => members::export, auth Member;
                PostUpgrade: POST "/v1/members/me/upgrade" => members::upgrade, auth Member, idempotent;
            }
            RecoverAccount "recover-account" RECOVER_ACCOUNT recover_account {
                PostRecoveryUsername: POST "/v1/recovery/username" => members::recover_username, auth Public;
                PostRecoveryPassword: POST "/v1/recovery/password" => members::reset_password, auth Public;
            }
            CertifyCitizen "certify-citizen" CERTIFY_CITIZEN certify_citizen {
                PostCitizen: POST "/v1/members/me/certifications/citizen" => certification::certify_citizen, auth Member, idempotent;
            }
            CertifyStudent "certify-student" CERTIFY_STUDENT certify_student {
                PostStudent: POST "/v1/members/me/certifications/student" => certification::certify_student, auth Member, idempotent;
            }
            /// The OpenID Connect provider of the libraries' services (single sign-on). The
            /// authorization page's call is public: declining needs no sign-in, approving checks
            /// the member's token itself.
            SingleSignOn "single-sign-on" SINGLE_SIGN_ON single_sign_on {
                GetOpenidConfiguration: GET "/.well-known/openid-configuration" => oauth::discovery, auth Public;
                GetJwks: GET "/oauth2/jwks" => oauth::jwks, auth Public;
                PostToken: POST "/oauth2/token" => oauth::token, auth Public;
                GetUserinfo: GET "/oauth2/userinfo" => oauth::userinfo, auth Public;
                GetLogout: GET "/oauth2/logout" => oauth::logout, auth Public;
                GetOauthClient: GET "/v1/oauth2/clients/{clientId}" => oauth::client, auth Public;
                PostAuthorizations: POST "/v1/oauth2/authorizations" => oauth::authorize, auth Public;
            }
        }
    };
}

pub(crate) use route_declarations;

route_declarations!(declare_routes);
