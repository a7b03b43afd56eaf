//! Every problem `code` the API gives (API.md), with its title and detail in each language: a code
//! without a text in every language does not compile.

use super::messages::Lang;

/// A documented problem `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    RequestMalformed,
    RequestUnsupportedMediaType,
    RequestTooLarge,
    ValidationFailed,
    NotFound,
    MethodNotAllowed,
    SignupNotFound,
    SignupExpired,
    SignupTokenInvalid,
    SignupWrongStep,
    ConsentRequired,
    ConsentVersionMismatch,
    ConsentUnknownDocument,
    IdentityResultInvalid,
    IdentityResultExpired,
    IdentityResultReplayed,
    IdentityVerificationFailed,
    AgeRequiresChildSignup,
    AgeRequiresGeneralSignup,
    GuardianNotAdult,
    GuardianRequired,
    MemberAlreadyExists,
    MemberNotFound,
    UsernameTaken,
    PasswordWeak,
    AuthInvalidCredentials,
    AuthLocked,
    AuthTokenInvalid,
    AuthRefreshInvalid,
    MemberDormant,
    CertificationNotApplicable,
    CertificationIdentityMismatch,
    CertificationNotIncheonResident,
    CertificationDlsRejected,
    CertificationRateLimited,
    UpstreamUnavailable,
    IdempotencyKeyReused,
    IdempotencyInProgress,
    SsoInvalidClient,
    SsoEntitlementRequired,
    Internal,
}

impl ProblemCode {
    /// Every code.
    pub const ALL: [ProblemCode; 41] = [
        ProblemCode::RequestMalformed,
        ProblemCode::RequestUnsupportedMediaType,
        ProblemCode::RequestTooLarge,
        ProblemCode::ValidationFailed,
        ProblemCode::NotFound,
        ProblemCode::MethodNotAllowed,
        ProblemCode::SignupNotFound,
        ProblemCode::SignupExpired,
        ProblemCode::SignupTokenInvalid,
        ProblemCode::SignupWrongStep,
        ProblemCode::ConsentRequired,
        ProblemCode::ConsentVersionMismatch,
        ProblemCode::ConsentUnknownDocument,
        ProblemCode::IdentityResultInvalid,
        ProblemCode::IdentityResultExpired,
        ProblemCode::IdentityResultReplayed,
        ProblemCode::IdentityVerificationFailed,
        ProblemCode::AgeRequiresChildSignup,
        ProblemCode::AgeRequiresGeneralSignup,
        ProblemCode::GuardianNotAdult,
        ProblemCode::GuardianRequired,
        ProblemCode::MemberAlreadyExists,
        ProblemCode::MemberNotFound,
        ProblemCode::UsernameTaken,
        ProblemCode::PasswordWeak,
        ProblemCode::AuthInvalidCredentials,
        ProblemCode::AuthLocked,
        ProblemCode::AuthTokenInvalid,
        ProblemCode::AuthRefreshInvalid,
        ProblemCode::MemberDormant,
        ProblemCode::CertificationNotApplicable,
        ProblemCode::CertificationIdentityMismatch,
        ProblemCode::CertificationNotIncheonResident,
        ProblemCode::CertificationDlsRejected,
        ProblemCode::CertificationRateLimited,
        ProblemCode::UpstreamUnavailable,
        ProblemCode::IdempotencyKeyReused,
        ProblemCode::IdempotencyInProgress,
        ProblemCode::SsoInvalidClient,
        ProblemCode::SsoEntitlementRequired,
        ProblemCode::Internal,
    ];

    /// The `code` member of the problem, and the tail of its `type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ProblemCode::RequestMalformed => "request.malformed",
            ProblemCode::RequestUnsupportedMediaType => "request.unsupported_media_type",
            ProblemCode::RequestTooLarge => "request.too_large",
            ProblemCode::ValidationFailed => "validation.failed",
            ProblemCode::NotFound => "not_found",
            ProblemCode::MethodNotAllowed => "method_not_allowed",
            ProblemCode::SignupNotFound => "signup.not_found",
            ProblemCode::SignupExpired => "signup.expired",
            ProblemCode::SignupTokenInvalid => "signup.token_invalid",
            ProblemCode::SignupWrongStep => "signup.wrong_step",
            ProblemCode::ConsentRequired => "consent.required",
            ProblemCode::ConsentVersionMismatch => "consent.version_mismatch",
            ProblemCode::ConsentUnknownDocument => "consent.unknown_document",
            ProblemCode::IdentityResultInvalid => "identity.result_invalid",
            ProblemCode::IdentityResultExpired => "identity.result_expired",
            ProblemCode::IdentityResultReplayed => "identity.result_replayed",
            ProblemCode::IdentityVerificationFailed => "identity.verification_failed",
            ProblemCode::AgeRequiresChildSignup => "age.requires_child_signup",
            ProblemCode::AgeRequiresGeneralSignup => "age.requires_general_signup",
            ProblemCode::GuardianNotAdult => "guardian.not_adult",
            ProblemCode::GuardianRequired => "guardian.required",
            ProblemCode::MemberAlreadyExists => "member.already_exists",
            ProblemCode::MemberNotFound => "member.not_found",
            ProblemCode::UsernameTaken => "username.taken",
            ProblemCode::PasswordWeak => "password.weak",
            ProblemCode::AuthInvalidCredentials => "auth.invalid_credentials",
            ProblemCode::AuthLocked => "auth.locked",
            ProblemCode::AuthTokenInvalid => "auth.token_invalid",
            ProblemCode::AuthRefreshInvalid => "auth.refresh_invalid",
            ProblemCode::MemberDormant => "member.dormant",
            ProblemCode::CertificationNotApplicable => "certification.not_applicable",
            ProblemCode::CertificationIdentityMismatch => "certification.identity_mismatch",
            ProblemCode::CertificationNotIncheonResident => "certification.not_incheon_resident",
            ProblemCode::CertificationDlsRejected => "certification.dls_rejected",
            ProblemCode::CertificationRateLimited => "certification.rate_limited",
            ProblemCode::UpstreamUnavailable => "upstream.unavailable",
            ProblemCode::IdempotencyKeyReused => "idempotency.key_reused",
            ProblemCode::IdempotencyInProgress => "idempotency.in_progress",
            ProblemCode::SsoInvalidClient => "sso.invalid_client",
            ProblemCode::SsoEntitlementRequired => "sso.entitlement_required",
            ProblemCode::Internal => "internal",
        }
    }

    /// Title and detail in `lang`.
    pub fn text(self, lang: Lang) -> (&'static str, &'static str) {
        match lang {
            Lang::Ko => self.korean(),
            Lang::En => self.english(),
        }
    }

    fn korean(self) -> (&'static str, &'static str) {
        match self {
            ProblemCode::RequestMalformed => ("잘못된 요청", "요청 본문이나 헤더의 형식이 올바르지 않습니다."),
            ProblemCode::RequestUnsupportedMediaType => {
                ("지원하지 않는 형식", "요청 본문은 JSON(application/json)이어야 합니다.")
            }
            ProblemCode::RequestTooLarge => ("요청이 너무 큼", "요청 본문은 16KiB를 넘을 수 없습니다."),
            ProblemCode::ValidationFailed => ("입력값 오류", "입력한 내용을 확인해 주세요."),
            ProblemCode::NotFound => ("찾을 수 없음", "요청한 주소를 찾을 수 없습니다."),
            ProblemCode::MethodNotAllowed => ("허용되지 않는 메서드", "이 주소는 요청한 메서드를 지원하지 않습니다."),
            ProblemCode::SignupNotFound => {
                ("회원가입 정보 없음", "회원가입 진행 정보를 찾을 수 없습니다. 처음부터 다시 시작해 주세요.")
            }
            ProblemCode::SignupExpired => {
                ("회원가입 시간 만료", "회원가입 유효시간(30분)이 지났습니다. 처음부터 다시 시작해 주세요.")
            }
            ProblemCode::SignupTokenInvalid => ("회원가입 인증 실패", "회원가입 진행 토큰이 올바르지 않습니다."),
            ProblemCode::SignupWrongStep => {
                ("잘못된 가입 단계", "지금은 이 단계를 진행할 수 없습니다. 안내된 단계를 먼저 완료해 주세요.")
            }
            ProblemCode::ConsentRequired => {
                ("필수 동의 필요", "이용약관 및 개인정보 수집·이용에 동의하셔야 회원서비스를 이용할 수 있습니다.")
            }
            ProblemCode::ConsentVersionMismatch => {
                ("약관 버전 불일치", "약관이 변경되었습니다. 최신 약관을 확인한 뒤 다시 동의해 주세요.")
            }
            ProblemCode::ConsentUnknownDocument => ("알 수 없는 약관", "이 단계에서 동의할 수 없는 문서입니다."),
            ProblemCode::IdentityResultInvalid => {
                ("본인확인 결과 오류", "본인확인 결과를 확인할 수 없습니다. 다시 인증해 주세요.")
            }
            ProblemCode::IdentityResultExpired => {
                ("본인확인 시간 만료", "본인확인 후 10분이 지났습니다. 다시 인증해 주세요.")
            }
            ProblemCode::IdentityResultReplayed => {
                ("이미 사용된 본인확인", "이미 사용된 본인확인 결과입니다. 다시 인증해 주세요.")
            }
            ProblemCode::IdentityVerificationFailed => {
                ("본인확인 실패", "본인확인이 취소되었거나 완료되지 않았습니다. 다시 인증해 주세요.")
            }
            ProblemCode::AgeRequiresChildSignup => {
                ("어린이·학생회원 가입 대상", "만 14세 미만은 어린이·학생회원으로 가입해 주세요.")
            }
            ProblemCode::AgeRequiresGeneralSignup => {
                ("일반회원 가입 대상", "만 14세 이상은 일반회원으로 가입해 주세요.")
            }
            ProblemCode::GuardianNotAdult => {
                ("보호자 연령 미달", "만 14세 미만 회원의 가입은 만 19세 이상의 보호자(법정대리인)가 인증해야 합니다.")
            }
            ProblemCode::GuardianRequired => {
                ("보호자 동의 필요", "만 14세 미만 회원은 가입 시 인증한 보호자의 본인확인이 필요합니다.")
            }
            ProblemCode::MemberAlreadyExists => {
                ("이미 가입된 회원", "이미 가입된 회원입니다. 아이디 찾기를 이용해 주세요.")
            }
            ProblemCode::MemberNotFound => ("회원 정보 없음", "일치하는 회원 정보가 없습니다."),
            ProblemCode::UsernameTaken => ("사용할 수 없는 아이디", "이미 사용 중이거나 사용할 수 없는 아이디입니다."),
            ProblemCode::PasswordWeak => ("비밀번호 규칙 위반", "비밀번호가 규칙에 맞지 않습니다."),
            ProblemCode::AuthInvalidCredentials => ("로그인 실패", "아이디 또는 비밀번호가 올바르지 않습니다."),
            ProblemCode::AuthLocked => {
                ("로그인 제한", "로그인 실패가 반복되어 잠시 로그인할 수 없습니다. 잠시 후 다시 시도해 주세요.")
            }
            ProblemCode::AuthTokenInvalid => ("로그인 필요", "로그인이 필요하거나 로그인 정보가 만료되었습니다."),
            ProblemCode::AuthRefreshInvalid => {
                ("다시 로그인 필요", "로그인 유지 정보가 만료되었습니다. 다시 로그인해 주세요.")
            }
            ProblemCode::MemberDormant => {
                ("휴면 계정", "개인정보 재동의 기간이 지나 휴면 상태입니다. 재동의 후 이용해 주세요.")
            }
            ProblemCode::CertificationNotApplicable => {
                ("인증 대상 아님", "현재 회원 등급에서는 이 인증을 이용할 수 없습니다.")
            }
            ProblemCode::CertificationIdentityMismatch => {
                ("인증 정보 불일치", "입력한 정보가 회원 정보와 일치하지 않습니다.")
            }
            ProblemCode::CertificationNotIncheonResident => {
                ("인천시민 아님", "주민등록상 거주지가 인천인 경우에만 인천시민인증을 할 수 있습니다.")
            }
            ProblemCode::CertificationDlsRejected => (
                "DLS 인증 실패",
                "DLS 회원 정보를 확인할 수 없습니다. DLS 아이디/패스워드를 모를 경우 해당 학교에 문의해 주세요.",
            ),
            ProblemCode::CertificationRateLimited => {
                ("인증 시도 횟수 초과", "오늘 인증 시도 횟수(5회)를 모두 사용했습니다. 내일 다시 시도해 주세요.")
            }
            ProblemCode::UpstreamUnavailable => {
                ("연계 시스템 응답 없음", "연계 기관의 시스템이 응답하지 않습니다. 잠시 후 다시 시도해 주세요.")
            }
            ProblemCode::IdempotencyKeyReused => {
                ("멱등키 재사용", "같은 Idempotency-Key가 다른 요청에 사용되었습니다.")
            }
            ProblemCode::IdempotencyInProgress => ("요청 처리 중", "같은 Idempotency-Key의 요청이 아직 처리 중입니다."),
            ProblemCode::SsoInvalidClient => {
                ("등록되지 않은 서비스", "등록되지 않은 서비스이거나 돌아갈 주소가 등록된 주소와 다릅니다.")
            }
            ProblemCode::SsoEntitlementRequired => {
                ("이용 자격 필요", "이 서비스를 이용하려면 비대면자격확인인증이 필요합니다.")
            }
            ProblemCode::Internal => ("서버 오류", "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
        }
    }

    fn english(self) -> (&'static str, &'static str) {
        match self {
            ProblemCode::RequestMalformed => ("Malformed request", "The request body or a header is not well-formed."),
            ProblemCode::RequestUnsupportedMediaType => {
                ("Unsupported media type", "The request body must be JSON (application/json).")
            }
            ProblemCode::RequestTooLarge => ("Request too large", "The request body may not exceed 16 KiB."),
            ProblemCode::ValidationFailed => ("Validation failed", "Some fields are missing or invalid."),
            ProblemCode::NotFound => ("Not found", "There is nothing at this address."),
            ProblemCode::MethodNotAllowed => {
                ("Method not allowed", "This address does not support the request method.")
            }
            ProblemCode::SignupNotFound => {
                ("Sign-up not found", "This sign-up does not exist or is already complete. Please start again.")
            }
            ProblemCode::SignupExpired => {
                ("Sign-up expired", "The sign-up expired after 30 minutes. Please start again.")
            }
            ProblemCode::SignupTokenInvalid => ("Invalid sign-up token", "The sign-up token is missing or wrong."),
            ProblemCode::SignupWrongStep => {
                ("Wrong sign-up step", "This step cannot be taken now; complete the expected step first.")
            }
            ProblemCode::ConsentRequired => {
                ("Consent required", "You must agree to the required documents to continue.")
            }
            ProblemCode::ConsentVersionMismatch => (
                "Consent version mismatch",
                "The document has changed; please review the current version and agree again.",
            ),
            ProblemCode::ConsentUnknownDocument => {
                ("Unknown document", "This document does not exist or belongs to another step.")
            }
            ProblemCode::IdentityResultInvalid => (
                "Invalid identity result",
                "The identity verification result could not be verified. Please verify again.",
            ),
            ProblemCode::IdentityResultExpired => {
                ("Identity result expired", "The verification is older than 10 minutes. Please verify again.")
            }
            ProblemCode::IdentityResultReplayed => {
                ("Identity result already used", "This verification result was used already. Please verify again.")
            }
            ProblemCode::IdentityVerificationFailed => (
                "Identity verification failed",
                "The verification was cancelled or did not succeed. Please verify again.",
            ),
            ProblemCode::AgeRequiresChildSignup => {
                ("Child sign-up required", "People under 14 sign up as child members.")
            }
            ProblemCode::AgeRequiresGeneralSignup => {
                ("General sign-up required", "People aged 14 or over sign up as general members.")
            }
            ProblemCode::GuardianNotAdult => {
                ("Guardian must be an adult", "A child's sign-up must be verified by a guardian aged 19 or over.")
            }
            ProblemCode::GuardianRequired => (
                "Guardian required",
                "A member under 14 needs a fresh verification by the guardian who signed them up.",
            ),
            ProblemCode::MemberAlreadyExists => {
                ("Already a member", "This person is already a member. Use username recovery to find the account.")
            }
            ProblemCode::MemberNotFound => ("Member not found", "No matching member was found."),
            ProblemCode::UsernameTaken => ("Username taken", "This username is taken or cannot be used."),
            ProblemCode::PasswordWeak => ("Weak password", "The password does not meet the rules."),
            ProblemCode::AuthInvalidCredentials => ("Sign-in failed", "The username or password is wrong."),
            ProblemCode::AuthLocked => ("Sign-in locked", "Too many failed attempts. Please try again later."),
            ProblemCode::AuthTokenInvalid => {
                ("Sign-in required", "The access token is missing, invalid, expired or revoked.")
            }
            ProblemCode::AuthRefreshInvalid => {
                ("Refresh token invalid", "The refresh token is invalid, expired or revoked. Please sign in again.")
            }
            ProblemCode::MemberDormant => {
                ("Dormant account", "The account is dormant; renew your consent to use it again.")
            }
            ProblemCode::CertificationNotApplicable => {
                ("Certification not applicable", "This certification is not available for your current grade.")
            }
            ProblemCode::CertificationIdentityMismatch => {
                ("Identity mismatch", "The details do not match the member's verified identity.")
            }
            ProblemCode::CertificationNotIncheonResident => {
                ("Not an Incheon resident", "Only residents registered in Incheon can certify as Incheon citizens.")
            }
            ProblemCode::CertificationDlsRejected => {
                ("DLS rejected", "The school library system could not confirm the account. Ask your school if unsure.")
            }
            ProblemCode::CertificationRateLimited => {
                ("Too many attempts", "You have used today's 5 certification attempts. Please try again tomorrow.")
            }
            ProblemCode::UpstreamUnavailable => {
                ("Upstream unavailable", "A connected system is not responding. Please try again shortly.")
            }
            ProblemCode::IdempotencyKeyReused => {
                ("Idempotency key reused", "This Idempotency-Key was used with another request body.")
            }
            ProblemCode::IdempotencyInProgress => {
                ("Request in progress", "A request with this Idempotency-Key is still being processed.")
            }
            ProblemCode::SsoInvalidClient => (
                "Unknown client",
                "The service is not registered, or the address to return to is not one it registered.",
            ),
            ProblemCode::SsoEntitlementRequired => {
                ("Entitlement required", "This service needs a non-face-to-face certification of your membership.")
            }
            ProblemCode::Internal => ("Internal error", "The request could not be processed. Please try again later."),
        }
    }
}
