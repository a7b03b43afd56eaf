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

/// Every field error code the service gives (`errors[].code`), each with its own message.
pub const FIELD_CODES: [&str; 22] = [
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
];

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
        for code in FIELD_CODES {
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
