//! The provider's windows as the simulator shows them: the page a person is verified on, and the
//! result it sends back to the client's return page.

use super::*;

pub(super) async fn phone_window(State(sim): State<Simulators>, body: Bytes) -> Response {
    window(&sim, Method::Phone, &body)
}

pub(super) async fn ipin_window(State(sim): State<Simulators>, body: Bytes) -> Response {
    window(&sim, Method::Ipin, &body)
}

/// A window: the form `m=service`, `token_version_id`, `enc_data`, `integrity_value` of a request
/// of this window's product, which must verify, decrypt and name this request and site; the page
/// then lets the person be verified.
fn window(sim: &Simulators, method: Method, body: &[u8]) -> Response {
    let form = form_pairs(body).unwrap_or_default();
    let value = |name: &str| form_value(&form, name).unwrap_or_default();
    if value("m") != "service" {
        return page(StatusCode::BAD_REQUEST, "요청 오류", "<p>m=service 가 아닙니다. (m is not service.)</p>");
    }
    let token_version_id = value("token_version_id");
    let checked = sim.nice.with_request(token_version_id, |issued| {
        if issued.method != method {
            return Err("이 창의 상품이 아닌 요청입니다. (A request of another product.)");
        }
        let plaintext = issued
            .keys
            .open(value("enc_data"), value("integrity_value"))
            .map_err(|_| "요청의 무결성 검증 또는 복호화에 실패했습니다. (The request does not verify or decrypt.)")?;
        let request: Value = serde_json::from_slice(&plaintext).map_err(|_| "요청이 JSON 이 아닙니다. (Not JSON.)")?;
        let field = |name: &str| request[name].as_str().unwrap_or_default();
        let return_url = field("returnurl");
        let well_formed = field("requestno") == issued.req_no
            && field("sitecode") == sim.nice.site_code
            && field("methodtype") == "post"
            && field("popupyn") == "Y"
            && (method == Method::Ipin || field("authtype") == "M")
            && (return_url.starts_with("https://") || return_url.starts_with("http://"));
        if !well_formed {
            return Err("요청의 내용이 올바르지 않습니다. (The request's fields are wrong.)");
        }
        issued.return_url = Some(return_url.to_owned());
        Ok(())
    });
    match checked {
        None => page(StatusCode::NOT_FOUND, "요청 오류", "<p>알 수 없는 요청입니다. (Unknown request.)</p>"),
        Some(Err(reason)) => page(StatusCode::BAD_REQUEST, "요청 오류", &format!("<p>{reason}</p>")),
        Some(Ok(())) => {
            let title = match method {
                Method::Phone => "휴대폰 본인확인 (시뮬레이터)",
                Method::Ipin => "아이핀 본인확인 (시뮬레이터)",
            };
            let form = format!(
                r#"<form method="post" action="{BASE_PATH}/complete">
<input type="hidden" name="tokenVersionId" value="{id}">
<p><label>이름 (Name) <input name="name" required maxlength="30" autocomplete="off"></label></p>
<p><label>생년월일 (Birth date) <input name="birthDate" type="date" required></label></p>
<p><label>성별 (Gender) <select name="gender"><option value="">-</option><option value="F">여 (F)</option><option value="M">남 (M)</option></select></label></p>
<p><label>휴대폰 (Phone) <input name="phone" autocomplete="off"></label></p>
<p><label>DI (동명이인 구분, optional) <input name="di" autocomplete="off"></label></p>
<p><button type="submit" name="outcome" value="ok">인증 (Verify)</button>
<button type="submit" name="outcome" value="cancel">취소 (Cancel)</button></p>
</form>"#,
                id = html_escape(token_version_id)
            );
            page(StatusCode::OK, title, &form)
        }
    }
}

/// `POST /_sim/nice/complete`'s fields, from a form or JSON.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CompleteBody {
    token_version_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_date: String,
    #[serde(default)]
    gender: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    di: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

fn is_json(headers: &HeaderMap, name: header::HeaderName) -> bool {
    headers.get(name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("application/json"))
}

/// `POST /_sim/nice/complete`: the person verified (or cancelled); the result encrypted with the
/// request's keys, as JSON or as a page that posts it to the return page.
pub(super) async fn complete(
    State(sim): State<Simulators>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let fields: Value = if is_json(&headers, header::CONTENT_TYPE) {
        serde_json::from_slice(&body)
            .map_err(|_| Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed))?
    } else {
        let pairs =
            form_pairs(&body).ok_or_else(|| Problem::new(StatusCode::BAD_REQUEST, ProblemCode::RequestMalformed))?;
        // An empty form field is a field not given.
        Value::Object(pairs.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k, Value::String(v))).collect())
    };
    let body: CompleteBody = parse_value(fields)?;
    let cancelled = match body.outcome.as_deref() {
        None | Some("ok") => false,
        Some("cancel") => true,
        Some(_) => return Err(Problem::validation("/outcome", "invalid_value")),
    };
    let Some((method, req_no, return_url)) =
        sim.nice.with_request(&body.token_version_id, |i| (i.method, i.req_no.clone(), i.return_url.clone()))
    else {
        return Err(Problem::new(StatusCode::NOT_FOUND, ProblemCode::NotFound));
    };
    // Only a request posted to a window has a return page to go to.
    let return_url = return_url.ok_or_else(|| Problem::validation("/tokenVersionId", "window_not_opened"))?;
    let now = sim.clock.now();
    let enctime = now.to_offset(time::macros::offset!(+9));
    let mut result = serde_json::Map::new();
    let success = match method {
        Method::Phone => "0000",
        Method::Ipin => "1",
    };
    result.insert("resultcode".into(), json!(if cancelled { failure_code(method) } else { success }));
    result.insert("requestno".into(), json!(req_no));
    result.insert("responseno".into(), json!(format!("SIM{}", random_text(17))));
    result.insert(
        "enctime".into(),
        json!(format!(
            "{}{:02}{:02}{:02}{:02}{:02}",
            enctime.year(),
            u8::from(enctime.month()),
            enctime.day(),
            enctime.hour(),
            enctime.minute(),
            enctime.second()
        )),
    );
    result.insert("sitecode".into(), json!(sim.nice.site_code));
    if method == Method::Phone {
        result.insert("authtype".into(), json!("M"));
    }
    if !cancelled {
        let name = PersonName::parse(&body.name).map_err(|code| Problem::validation("/name", code))?;
        let birth_date =
            CalendarDate::parse(&body.birth_date).map_err(|code| Problem::validation("/birthDate", code))?;
        let gender = match body.gender.as_deref() {
            None => None,
            Some("F") => Some("0"),
            Some("M") => Some("1"),
            Some(_) => return Err(Problem::validation("/gender", "invalid_value")),
        };
        let di = match body.di {
            Some(di) if !di.is_empty() && di.len() <= 128 && di.bytes().all(|b| b.is_ascii_graphic()) => di,
            Some(_) => return Err(Problem::validation("/di", "invalid_format")),
            None => sim.default_di(name.as_str(), &birth_date.to_string()),
        };
        let ci = STANDARD.encode(sim.di_key.hmac(&[b"ci", di.as_bytes()]));
        let (di_field, ci_field) = match method {
            Method::Phone => ("di", "ci"),
            Method::Ipin => ("dupinfo", "coinfo1"),
        };
        result.insert("name".into(), json!(name.as_str()));
        result.insert("utf8_name".into(), json!(protocol::percent_encode_utf8(name.as_str())));
        result.insert("birthdate".into(), json!(birth_date.to_string().replace('-', "")));
        if let Some(gender) = gender {
            result.insert("gender".into(), json!(gender));
        }
        result.insert("nationalinfo".into(), json!("0"));
        if method == Method::Phone {
            result.insert("mobileco".into(), json!("1"));
            let phone: String = body.phone.unwrap_or_default().chars().filter(char::is_ascii_digit).collect();
            result.insert("mobileno".into(), json!(phone));
        }
        result.insert(ci_field.into(), json!(ci));
        result.insert(di_field.into(), json!(di));
    }
    // The provider writes results in EUC-KR.
    let plaintext = protocol::to_euc_kr(&Value::Object(result).to_string());
    let (enc_data, integrity_value) = sim
        .nice
        .with_request(&body.token_version_id, |issued| {
            let enc_data = issued.keys.encrypt(&plaintext);
            let integrity = issued.keys.integrity(&enc_data);
            (enc_data, integrity)
        })
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, ProblemCode::NotFound))?;
    if is_json(&headers, header::ACCEPT) {
        let fields = json!({
            "token_version_id": body.token_version_id,
            "enc_data": enc_data,
            "integrity_value": integrity_value,
        });
        return Ok(Json(json!({ "returnUrl": return_url, "fields": fields })).into_response());
    }
    let nonce = membership::keys::random_token();
    let form = format!(
        r#"<form id="result" method="post" action="{action}">
<input type="hidden" name="token_version_id" value="{id}">
<input type="hidden" name="enc_data" value="{enc}">
<input type="hidden" name="integrity_value" value="{integrity}">
<noscript><button type="submit">계속 (Continue)</button></noscript>
</form>
<script nonce="{nonce}">document.getElementById("result").submit();</script>"#,
        action = html_escape(&return_url),
        id = html_escape(&body.token_version_id),
        enc = html_escape(&enc_data),
        integrity = html_escape(&integrity_value),
    );
    let mut response = page(StatusCode::OK, "본인확인 결과 전송", &form);
    if let Ok(policy) = HeaderValue::from_str(&format!("default-src 'none'; script-src 'nonce-{nonce}'")) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    Ok(response)
}

/// The provider's code for a verification the person did not finish.
fn failure_code(method: Method) -> &'static str {
    match method {
        Method::Phone => "0099",
        Method::Ipin => "-9",
    }
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!doctype html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>\n{body}\n</body></html>\n"
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; form-action 'self'"));
    response
}
