//! The consent documents a member agrees to, with their versions. The text is the libraries' own
//! (sign-up guide, steps 3, 6 and 7).

use serde::{Deserialize, Serialize};

/// When in the member's life a document is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentStep {
    Signup,
    Certification,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentId {
    TermsOfUse,
    PrivacyCollection,
    CitizenThirdParty,
    StudentCollection,
}

pub struct Document {
    pub id: DocumentId,
    pub version: &'static str,
    pub title: &'static str,
    pub required: bool,
    pub step: ConsentStep,
    pub body: &'static str,
}

impl DocumentId {
    pub const ALL: [DocumentId; 4] = [
        DocumentId::TermsOfUse,
        DocumentId::PrivacyCollection,
        DocumentId::CitizenThirdParty,
        DocumentId::StudentCollection,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|id| id.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentId::TermsOfUse => "terms-of-use",
            DocumentId::PrivacyCollection => "privacy-collection",
            DocumentId::CitizenThirdParty => "citizen-third-party",
            DocumentId::StudentCollection => "student-collection",
        }
    }

    pub fn document(self) -> &'static Document {
        match self {
            DocumentId::TermsOfUse => &TERMS_OF_USE,
            DocumentId::PrivacyCollection => &PRIVACY_COLLECTION,
            DocumentId::CitizenThirdParty => &CITIZEN_THIRD_PARTY,
            DocumentId::StudentCollection => &STUDENT_COLLECTION,
        }
    }
}

pub fn documents() -> impl Iterator<Item = &'static Document> {
    DocumentId::ALL.into_iter().map(DocumentId::document)
}

/// The documents a step asks for, in the order the screens show them.
pub fn documents_of(step: ConsentStep) -> impl Iterator<Item = &'static Document> {
    documents().filter(move |doc| doc.step == step)
}

/// One answer as the member gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentAnswer {
    pub document: DocumentId,
    pub version: String,
    pub agreed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    #[error("more answers than the step has documents")]
    TooMany,
    #[error("a second answer for the same document")]
    Duplicate { index: usize },
    #[error("the document is unknown or belongs to another step")]
    UnknownDocument { index: usize },
    #[error("the document's version is not the current one")]
    VersionMismatch { index: usize },
    #[error("a required document was not agreed to")]
    Required { missing: Vec<DocumentId> },
}

/// Checks a step's answers: at most one per document and no more than the step has documents (so
/// no client can make a record or a transaction grow without bound), every document known and of
/// this step, every version current. All of these are refused before anything is recorded; a
/// refusal of a required document is still an answer, to be recorded.
pub fn check_answers(
    step: ConsentStep,
    answers: &[(String, String, bool)],
) -> Result<Vec<ConsentAnswer>, ConsentError> {
    if answers.len() > documents_of(step).count() {
        return Err(ConsentError::TooMany);
    }
    for (index, (id, _, _)) in answers.iter().enumerate() {
        if answers[..index].iter().any(|(earlier, _, _)| earlier == id) {
            return Err(ConsentError::Duplicate { index });
        }
    }
    let mut parsed = Vec::with_capacity(answers.len());
    for (index, (id, version, agreed)) in answers.iter().enumerate() {
        let document = DocumentId::parse(id)
            .map(DocumentId::document)
            .filter(|doc| doc.step == step)
            .ok_or(ConsentError::UnknownDocument { index })?;
        if document.version != version {
            return Err(ConsentError::VersionMismatch { index });
        }
        parsed.push(ConsentAnswer { document: document.id, version: version.clone(), agreed: *agreed });
    }
    Ok(parsed)
}

/// The required documents of a step that `answers` do not agree to (the last answer counts).
pub fn missing_required(step: ConsentStep, answers: &[ConsentAnswer]) -> Vec<DocumentId> {
    documents_of(step)
        .filter(|doc| doc.required)
        .filter(|doc| {
            !answers.iter().rev().find(|a| a.document == doc.id).is_some_and(|a| a.agreed && a.version == doc.version)
        })
        .map(|doc| doc.id)
        .collect()
}

const VERSION_2026_11: &str = "2026-11-01";

static TERMS_OF_USE: Document = Document {
    id: DocumentId::TermsOfUse,
    version: VERSION_2026_11,
    title: "이용약관 동의",
    required: true,
    step: ConsentStep::Signup,
    body: "제1장 총칙\n\n제1조 목적\n\n본 약관은 '인천광역시교육청 도서관 통합정보시스템 구축'(이하 '통합시스템'이라 함)에 따라 \
인천광역시교육청 소속 도서관 회원정보를 통합 운영함에 있어 이용자와 도서관간의 이용조건 및 절차, 이용에 관한 권리와 의무 등 \
제반 사항을 규정함을 목적으로 합니다.\n\n제2조 (이용약관의 효력 및 변경)\n\n(1) 본 약관은 서비스 화면에 게시하거나 기타의 \
방법으로 이용자에게 공시되며, 이를 동의한 이용자가 서비스에 가입함으로써 효력이 발생합니다.",
};

static PRIVACY_COLLECTION: Document = Document {
    id: DocumentId::PrivacyCollection,
    version: VERSION_2026_11,
    title: "개인정보의 수집·이용 동의",
    required: true,
    step: ConsentStep::Signup,
    body: "1. 개인정보의 수집·이용 목적\n\n가. 인천광역시교육청 도서관 통합정보시스템이 제공하는 서비스 이용을 위해 다음의 \
목적으로 개인정보를 수집·이용합니다:\n\n1) 홈페이지 서비스 : 자료대출관리, 평생학습 수강신청, 게시물 등록, 도서관 홍보 및 \
교육 활성화 등\n\n2) 독서문화/평생교육 서비스: 도서관 행사, 체험 학습, 평생학습 신청 및 수강 등\n\n3) 자료대출 서비스 : \
자료이용현황, 자료의 예약·신청·대출, 전자도서관 이용 등\n\n나. 수집된 개인정보는 목적 이외의 용도로 이용되지 않으며, 이용 \
목적이 변경되는 경우 개인정보보호법 제18조에 따라 별도의 동의를 받는 등 필요한 조치를 이행할 예정입니다.",
};

static CITIZEN_THIRD_PARTY: Document = Document {
    id: DocumentId::CitizenThirdParty,
    version: VERSION_2026_11,
    title: "개인정보 제3자 제공 동의(인천시민인증)",
    required: true,
    step: ConsentStep::Certification,
    body: "관련근거\n\n- 전자정부법 제8조(구비서류의 전자적 확인 등)\n- 전자정부법 제9조(방문에 의하지 아니하는 민원처리)\n\
- 전자정부법 제12조(행정정보의 전자적 제공)\n- 전자정부법 제36조(행정정보의 효율적 관리 및 이용)\n- 전자정부법 시행령 \
제90조(민감정보 및 고유식별정보의 처리)\n- 개인정보보호법 제18조(개인정보의 목적 외 이용·제공 제한)\n\n수집기관 : 자격 대상 \
서비스 정보 보유기관\n수집항목 : 이름, 주민등록번호 등\n보유기간 : 자격여부 확인 후 즉시 파기\n\n인천시민 자격 확인 조회를 \
위하여 개인정보를 처리하는 것에 동의합니다.",
};

static STUDENT_COLLECTION: Document = Document {
    id: DocumentId::StudentCollection,
    version: VERSION_2026_11,
    title: "개인정보 수집 제공 동의(인천학생인증)",
    required: true,
    step: ConsentStep::Certification,
    body: "인천광역시교육청 공공도서관에서는 인천학생인증을 통한 경회원 자격 부여를 위하여 아래와 같이 개인정보를 \
수집합니다.\n\n개인정보 수집목적 : 인천광역시교육청 공공도서관 이용을 위한 비대면 인증\n개인정보 수집항목 : DLS에 등록된 성명, \
아이디, 비밀번호\n개인정보 보유기간 : 인증 후 즉시 파기(미보유)\n\n개인정보 수집 동의를 거부할 권리가 있습니다. 그러나 동의를 \
거부할 경우 인천광역시교육청 공공도서관 경회원 자격이 부여되지 않으며, 도서관에서 제공하는 서비스 이용에 제한을 받을 수 \
있습니다.\n\nDLS 아이디/패스워드 정보를 모를 경우 해당 학교에 문의하여 주시기 바랍니다.",
};

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(id: &str, agreed: bool) -> (String, String, bool) {
        (id.to_owned(), VERSION_2026_11.to_owned(), agreed)
    }

    #[test]
    fn signup_needs_both_documents_agreed() {
        let answers = check_answers(ConsentStep::Signup, &[answer("terms-of-use", true)]).unwrap();
        assert_eq!(missing_required(ConsentStep::Signup, &answers), vec![DocumentId::PrivacyCollection]);
        let answers =
            check_answers(ConsentStep::Signup, &[answer("terms-of-use", true), answer("privacy-collection", false)])
                .unwrap();
        assert_eq!(missing_required(ConsentStep::Signup, &answers), vec![DocumentId::PrivacyCollection]);
    }

    #[test]
    fn documents_of_another_step_are_unknown_here() {
        assert_eq!(
            check_answers(ConsentStep::Signup, &[answer("citizen-third-party", true)]),
            Err(ConsentError::UnknownDocument { index: 0 })
        );
        let stale = ("terms-of-use".to_owned(), "2020-01-01".to_owned(), true);
        assert_eq!(check_answers(ConsentStep::Signup, &[stale]), Err(ConsentError::VersionMismatch { index: 0 }));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn only_the_current_version_of_a_known_document_is_accepted(version in "\\PC{0,20}", agreed: bool) {
            for document in documents() {
                let answer = [(document.id.as_str().to_owned(), version.clone(), agreed)];
                let checked = check_answers(document.step, &answer);
                if version == document.version {
                    prop_assert!(checked.is_ok());
                } else {
                    prop_assert_eq!(checked, Err(ConsentError::VersionMismatch { index: 0 }));
                }
            }
        }

        #[test]
        fn unknown_documents_are_refused_whatever_their_version(id in "[a-z-]{1,30}", version in "\\PC{0,12}") {
            prop_assume!(DocumentId::parse(&id).is_none());
            for step in [ConsentStep::Signup, ConsentStep::Certification] {
                let answer = [(id.clone(), version.clone(), true)];
                prop_assert_eq!(check_answers(step, &answer), Err(ConsentError::UnknownDocument { index: 0 }));
            }
        }
    }
}
