//! What people read in a problem: titles, details and field messages, in Korean (the default) and
//! English, chosen by `Accept-Language`.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ko,
    En,
}

tokio::task_local! {
    static CURRENT: Lang;
}

impl Lang {
    /// Runs `future` answering in `lang`: every problem made while it runs is written in it.
    pub async fn scope<F: std::future::Future>(self, future: F) -> F::Output {
        CURRENT.scope(self, future).await
    }

    /// The language of the request being answered; Korean outside one.
    pub fn current() -> Self {
        CURRENT.try_with(|lang| *lang).unwrap_or(Lang::Ko)
    }

    /// The preferred of `ko` and `en` in an `Accept-Language` header; Korean when neither is named.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Lang::Ko;
        };
        let mut best = (Lang::Ko, -1.0f32);
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "ko" || tag.starts_with("ko-") {
                Lang::Ko
            } else {
                continue;
            };
            if q > best.1 {
                best = (lang, q);
            }
        }
        best.0
    }
}

/// Title and detail of a problem code.
pub fn problem_text(code: &str, lang: Lang) -> (&'static str, &'static str) {
    let (ko, en) = match code {
        "request.malformed" => (
            ("잘못된 요청", "요청 본문이나 헤더의 형식이 올바르지 않습니다."),
            ("Malformed request", "The request body or a header is not well-formed."),
        ),
        "request.unsupported_media_type" => (
            ("지원하지 않는 형식", "요청 본문은 JSON(application/json)이어야 합니다."),
            ("Unsupported media type", "The request body must be JSON (application/json)."),
        ),
        "request.too_large" => (
            ("요청이 너무 큼", "요청 본문은 16KiB를 넘을 수 없습니다."),
            ("Request too large", "The request body may not exceed 16 KiB."),
        ),
        "validation.failed" => (
            ("입력값 오류", "입력한 내용을 확인해 주세요."),
            ("Validation failed", "Some fields are missing or invalid."),
        ),
        "not_found" => {
            (("찾을 수 없음", "요청한 주소를 찾을 수 없습니다."), ("Not found", "There is nothing at this address."))
        }
        "method_not_allowed" => (
            ("허용되지 않는 메서드", "이 주소는 요청한 메서드를 지원하지 않습니다."),
            ("Method not allowed", "This address does not support the request method."),
        ),
        "signup.not_found" => (
            ("회원가입 정보 없음", "회원가입 진행 정보를 찾을 수 없습니다. 처음부터 다시 시작해 주세요."),
            ("Sign-up not found", "This sign-up does not exist or is already complete. Please start again."),
        ),
        "signup.expired" => (
            ("회원가입 시간 만료", "회원가입 유효시간(30분)이 지났습니다. 처음부터 다시 시작해 주세요."),
            ("Sign-up expired", "The sign-up expired after 30 minutes. Please start again."),
        ),
        "signup.token_invalid" => (
            ("회원가입 인증 실패", "회원가입 진행 토큰이 올바르지 않습니다."),
            ("Invalid sign-up token", "The sign-up token is missing or wrong."),
        ),
        "signup.wrong_step" => (
            ("잘못된 가입 단계", "지금은 이 단계를 진행할 수 없습니다. 안내된 단계를 먼저 완료해 주세요."),
            ("Wrong sign-up step", "This step cannot be taken now; complete the expected step first."),
        ),
        "consent.required" => (
            ("필수 동의 필요", "이용약관 및 개인정보 수집·이용에 동의하셔야 회원서비스를 이용할 수 있습니다."),
            ("Consent required", "You must agree to the required documents to continue."),
        ),
        "consent.version_mismatch" => (
            ("약관 버전 불일치", "약관이 변경되었습니다. 최신 약관을 확인한 뒤 다시 동의해 주세요."),
            (
                "Consent version mismatch",
                "The document has changed; please review the current version and agree again.",
            ),
        ),
        "consent.unknown_document" => (
            ("알 수 없는 약관", "이 단계에서 동의할 수 없는 문서입니다."),
            ("Unknown document", "This document does not exist or belongs to another step."),
        ),
        "identity.result_invalid" => (
            ("본인확인 결과 오류", "본인확인 결과를 확인할 수 없습니다. 다시 인증해 주세요."),
            ("Invalid identity result", "The identity verification result could not be verified. Please verify again."),
        ),
        "identity.result_expired" => (
            ("본인확인 시간 만료", "본인확인 후 10분이 지났습니다. 다시 인증해 주세요."),
            ("Identity result expired", "The verification is older than 10 minutes. Please verify again."),
        ),
        "identity.result_replayed" => (
            ("이미 사용된 본인확인", "이미 사용된 본인확인 결과입니다. 다시 인증해 주세요."),
            ("Identity result already used", "This verification result was used already. Please verify again."),
        ),
        "identity.verification_failed" => (
            ("본인확인 실패", "본인확인이 취소되었거나 완료되지 않았습니다. 다시 인증해 주세요."),
            ("Identity verification failed", "The verification was cancelled or did not succeed. Please verify again."),
        ),
        "age.requires_child_signup" => (
            ("어린이·학생회원 가입 대상", "만 14세 미만은 어린이·학생회원으로 가입해 주세요."),
            ("Child sign-up required", "People under 14 sign up as child members."),
        ),
        "age.requires_general_signup" => (
            ("일반회원 가입 대상", "만 14세 이상은 일반회원으로 가입해 주세요."),
            ("General sign-up required", "People aged 14 or over sign up as general members."),
        ),
        "guardian.not_adult" => (
            ("보호자 연령 미달", "만 14세 미만 회원의 가입은 만 19세 이상의 보호자(법정대리인)가 인증해야 합니다."),
            ("Guardian must be an adult", "A child's sign-up must be verified by a guardian aged 19 or over."),
        ),
        "guardian.required" => (
            ("보호자 동의 필요", "만 14세 미만 회원은 가입 시 인증한 보호자의 본인확인이 필요합니다."),
            ("Guardian required", "A member under 14 needs a fresh verification by the guardian who signed them up."),
        ),
        "member.already_exists" => (
            ("이미 가입된 회원", "이미 가입된 회원입니다. 아이디 찾기를 이용해 주세요."),
            ("Already a member", "This person is already a member. Use username recovery to find the account."),
        ),
        "member.not_found" => (
            ("회원 정보 없음", "일치하는 회원 정보가 없습니다."),
            ("Member not found", "No matching member was found."),
        ),
        "username.taken" => (
            ("사용할 수 없는 아이디", "이미 사용 중이거나 사용할 수 없는 아이디입니다."),
            ("Username taken", "This username is taken or cannot be used."),
        ),
        "password.weak" => (
            ("비밀번호 규칙 위반", "비밀번호가 규칙에 맞지 않습니다."),
            ("Weak password", "The password does not meet the rules."),
        ),
        "auth.invalid_credentials" => (
            ("로그인 실패", "아이디 또는 비밀번호가 올바르지 않습니다."),
            ("Sign-in failed", "The username or password is wrong."),
        ),
        "auth.locked" => (
            ("로그인 제한", "로그인 실패가 반복되어 잠시 로그인할 수 없습니다. 잠시 후 다시 시도해 주세요."),
            ("Sign-in locked", "Too many failed attempts. Please try again later."),
        ),
        "auth.token_invalid" => (
            ("로그인 필요", "로그인이 필요하거나 로그인 정보가 만료되었습니다."),
            ("Sign-in required", "The access token is missing, invalid, expired or revoked."),
        ),
        "auth.refresh_invalid" => (
            ("다시 로그인 필요", "로그인 유지 정보가 만료되었습니다. 다시 로그인해 주세요."),
            ("Refresh token invalid", "The refresh token is invalid, expired or revoked. Please sign in again."),
        ),
        "member.dormant" => (
            ("휴면 계정", "개인정보 재동의 기간이 지나 휴면 상태입니다. 재동의 후 이용해 주세요."),
            ("Dormant account", "The account is dormant; renew your consent to use it again."),
        ),
        "certification.not_applicable" => (
            ("인증 대상 아님", "현재 회원 등급에서는 이 인증을 이용할 수 없습니다."),
            ("Certification not applicable", "This certification is not available for your current grade."),
        ),
        "certification.identity_mismatch" => (
            ("인증 정보 불일치", "입력한 정보가 회원 정보와 일치하지 않습니다."),
            ("Identity mismatch", "The details do not match the member's verified identity."),
        ),
        "certification.not_incheon_resident" => (
            ("인천시민 아님", "주민등록상 거주지가 인천인 경우에만 인천시민인증을 할 수 있습니다."),
            ("Not an Incheon resident", "Only residents registered in Incheon can certify as Incheon citizens."),
        ),
        "certification.dls_rejected" => (
            (
                "DLS 인증 실패",
                "DLS 회원 정보를 확인할 수 없습니다. DLS 아이디/패스워드를 모를 경우 해당 학교에 문의해 주세요.",
            ),
            ("DLS rejected", "The school library system could not confirm the account. Ask your school if unsure."),
        ),
        "certification.rate_limited" => (
            ("인증 시도 횟수 초과", "오늘 인증 시도 횟수(5회)를 모두 사용했습니다. 내일 다시 시도해 주세요."),
            ("Too many attempts", "You have used today's 5 certification attempts. Please try again tomorrow."),
        ),
        "upstream.unavailable" => (
            ("연계 시스템 응답 없음", "연계 기관의 시스템이 응답하지 않습니다. 잠시 후 다시 시도해 주세요."),
            ("Upstream unavailable", "A connected system is not responding. Please try again shortly."),
        ),
        "idempotency.key_reused" => (
            ("멱등키 재사용", "같은 Idempotency-Key가 다른 요청에 사용되었습니다."),
            ("Idempotency key reused", "This Idempotency-Key was used with another request body."),
        ),
        "idempotency.in_progress" => (
            ("요청 처리 중", "같은 Idempotency-Key의 요청이 아직 처리 중입니다."),
            ("Request in progress", "A request with this Idempotency-Key is still being processed."),
        ),
        "sso.invalid_client" => (
            ("등록되지 않은 서비스", "등록되지 않은 서비스이거나 돌아갈 주소가 등록된 주소와 다릅니다."),
            ("Unknown client", "The service is not registered, or the address to return to is not one it registered."),
        ),
        "sso.entitlement_required" => (
            ("이용 자격 필요", "이 서비스를 이용하려면 비대면자격확인인증이 필요합니다."),
            ("Entitlement required", "This service needs a non-face-to-face certification of your membership."),
        ),
        _ => (
            ("서버 오류", "요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요."),
            ("Internal error", "The request could not be processed. Please try again later."),
        ),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

/// The message shown next to a field, by its error code.
pub fn field_message(code: &str, lang: Lang) -> &'static str {
    let (ko, en) = match code {
        "required" => ("필수 입력 항목입니다.", "This field is required."),
        "unknown_field" => ("허용되지 않는 항목입니다.", "This field is unknown or cannot be set."),
        "invalid_type" => ("값의 형식이 올바르지 않습니다.", "This value has the wrong type."),
        "invalid_value" => ("허용되지 않는 값입니다.", "This value is not one of the allowed values."),
        "invalid_format" => ("형식이 올바르지 않습니다.", "This value is not in the expected format."),
        "invalid_date" => ("올바른 날짜(YYYY-MM-DD)가 아닙니다.", "This is not a valid date (YYYY-MM-DD)."),
        "future_date" => ("미래의 날짜는 입력할 수 없습니다.", "The date cannot be in the future."),
        "too_short" => ("너무 짧습니다.", "This value is too short."),
        "too_long" => ("너무 깁니다.", "This value is too long."),
        "too_few_classes" => (
            "영문 대·소문자, 숫자, 특수문자 중 3종류 이상(10자 이상은 2종류 이상)을 사용해야 합니다.",
            "Use at least three of lower case, upper case, digits and symbols (two for 10 characters or more).",
        ),
        "contains_username" => {
            ("비밀번호에 아이디를 포함할 수 없습니다.", "The password may not contain the username.")
        }
        "unknown_library" => ("소속 9개 기관 중 하나를 선택해 주세요.", "Choose one of the nine institutions."),
        "not_allowed" => {
            ("이 회원유형에서는 입력할 수 없는 항목입니다.", "This field is not allowed for this member type.")
        }
        "not_agreed" => ("동의가 필요합니다.", "Agreement is required."),
        "invalid_check_digit" => ("검증 숫자가 올바르지 않습니다.", "The check digit is wrong."),
        "taken" => ("이미 사용 중이거나 사용할 수 없는 아이디입니다.", "This username is taken or cannot be used."),
        "stale_version" => {
            ("최신 약관이 아닙니다. 약관을 다시 확인해 주세요.", "This is not the current version of the document.")
        }
        "too_old" => ("만 14세 미만이어야 합니다.", "The child must be under 14 on the day of sign-up."),
        "too_many" => ("항목이 너무 많습니다.", "There are more items than allowed."),
        "duplicate" => ("같은 항목이 두 번 들어 있습니다.", "The same item appears twice."),
        "limit_reached" => (
            "더 이상 기록할 수 없습니다. 가입을 처음부터 다시 시작해 주세요.",
            "No more can be recorded: start the sign-up again.",
        ),
        "out_of_range" => ("허용 범위를 벗어난 값입니다.", "This value is out of range."),
        _ => ("값이 올바르지 않습니다.", "This value is invalid."),
    };
    match lang {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web client shows these next to the field: none may fall back to the generic text.
    #[test]
    fn every_field_code_the_service_gives_has_its_own_message() {
        let generic = field_message("no-such-code", Lang::Ko);
        for code in [
            "required",
            "unknown_field",
            "invalid_type",
            "invalid_value",
            "invalid_format",
            "invalid_date",
            "future_date",
            "too_short",
            "too_long",
            "too_few_classes",
            "contains_username",
            "unknown_library",
            "not_allowed",
            "not_agreed",
            "invalid_check_digit",
            "taken",
            "stale_version",
            "too_old",
            "too_many",
            "duplicate",
            "limit_reached",
            "out_of_range",
        ] {
            assert_ne!(field_message(code, Lang::Ko), generic, "{code}");
            assert_ne!(field_message(code, Lang::En), field_message("no-such-code", Lang::En), "{code}");
        }
    }

    #[test]
    fn the_preferred_language_wins() {
        assert_eq!(Lang::from_accept_language(None), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("ko-KR,ko;q=0.9,en;q=0.8")), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("fr,en;q=0.5")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("en;q=0.4,ko;q=0.6")), Lang::Ko);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::Ko);
    }
}
