//! The nine institutions that share one membership (소속 9개 기관의 회원정보가 통합 운영).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Library {
    Gyeyang,
    Juan,
    LifelongLearning,
    Bupyeong,
    Central,
    Hwadojin,
    Seogu,
    IntegratedPublic,
    Yeonsu,
}

impl Library {
    pub const ALL: [Library; 9] = [
        Library::Gyeyang,
        Library::Juan,
        Library::LifelongLearning,
        Library::Bupyeong,
        Library::Central,
        Library::Hwadojin,
        Library::Seogu,
        Library::IntegratedPublic,
        Library::Yeonsu,
    ];

    pub fn parse(code: &str) -> Result<Self, &'static str> {
        Self::ALL.into_iter().find(|lib| lib.code() == code).ok_or("unknown_library")
    }

    pub fn code(self) -> &'static str {
        match self {
            Library::Gyeyang => "gyeyang",
            Library::Juan => "juan",
            Library::LifelongLearning => "lifelong-learning",
            Library::Bupyeong => "bupyeong",
            Library::Central => "central",
            Library::Hwadojin => "hwadojin",
            Library::Seogu => "seogu",
            Library::IntegratedPublic => "integrated-public",
            Library::Yeonsu => "yeonsu",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Library::Gyeyang => "인천광역시교육청계양도서관",
            Library::Juan => "인천광역시교육청주안도서관",
            Library::LifelongLearning => "인천광역시교육청평생학습관",
            Library::Bupyeong => "인천광역시교육청부평도서관",
            Library::Central => "인천광역시교육청중앙도서관",
            Library::Hwadojin => "인천광역시교육청화도진도서관",
            Library::Seogu => "인천광역시교육청서구도서관",
            Library::IntegratedPublic => "인천광역시교육청통합공공도서관",
            Library::Yeonsu => "인천광역시교육청연수도서관",
        }
    }
}
