// Every string the page shows, in Korean (the default) and English. Elements built with an `i18n`
// key are re-labelled in place when the language changes, so nothing typed into a form is lost.

const STRINGS = {
  ko: {
    'site.title': '인천광역시교육청 공공도서관 통합회원',
    'site.skip': '본문 바로가기',
    'site.nav': '회원 메뉴',
    'site.switch': 'English',
    'site.switchLabel': 'Switch to English',
    'site.footer': '인천광역시교육청 소속 9개 기관 통합회원 서비스 · 로컬 실행(모의 인증기관 사용)',
    'nav.home': '처음으로',
    'nav.login': '로그인',
    'nav.signup': '회원가입',
    'nav.findUsername': '아이디 찾기',
    'nav.resetPassword': '비밀번호 찾기',
    'nav.certify': '비대면자격확인인증안내',
    'nav.me': '마이페이지',
    'nav.logout': '로그아웃',

    'home.heading': '통합회원 서비스',
    'home.lead': '하나의 회원정보(ID/자료대출번호)로 인천광역시교육청 소속 9개 기관의 홈페이지 서비스와 자료대출 서비스를 이용할 수 있습니다.',
    'home.signup': '신규회원 가입하기',
    'home.signupHint': '만 14세 이상은 일반회원, 만 14세 미만은 어린이·학생회원으로 가입합니다.',
    'home.login': '로그인',
    'home.loginHint': '회원정보 확인과 비대면 회원인증은 로그인 후 이용할 수 있습니다.',
    'home.certify': '비대면 회원인증',
    'home.certifyHint': '인천시민인증 또는 인천학생인증 후 통합전자도서관을 이용할 수 있습니다.',

    'signup.heading': '회원가입',
    'stepper.label': '회원가입 단계',
    'stepper.type': '회원유형확인',
    'stepper.terms': '이용약관동의',
    'stepper.identity': '본인확인',
    'stepper.info': '정보입력',
    'stepper.current': '현재 단계',
    'stepper.done': '완료',

    'type.heading': '회원유형확인',
    'type.legend': '회원가입 종류를 선택해 주세요',
    'type.general': '일반회원',
    'type.generalAge': '만 14세 이상',
    'type.child': '어린이·학생회원',
    'type.childAge': '만 14세 미만',
    'type.rule': '※ 만 14세 미만의 경우 부모 명의 핸드폰 또는 아이핀 인증을 통한 동의 처리가 필요합니다.',
    'type.ruleDetail': '만 나이는 오늘(한국 시간) 기준으로 계산합니다. 만 14세 미만 아동의 개인정보 처리에는 법정대리인(보호자)의 동의가 필요합니다(개인정보 보호법 제22조의2).',
    'type.required': '회원유형을 선택해 주세요.',
    'type.next': '다음',

    'terms.heading': '이용약관동의',
    'terms.intro1': '* 인천광역시교육청 공공도서관 통합시스템 구축으로 회원정보가 통합 운영됩니다.',
    'terms.intro2': '* 회원서비스를 이용하기 위해서는 아래의 이용약관 개인정보수집·이용에 동의하셔야 합니다.',
    'terms.noticeHeading': '인천광역시교육청 공공도서관 통합안내',
    'terms.notice1': '인천광역시교육청 도서관 통합정보시스템 구축으로 인천광역시교육청 소속 9개 기관의 회원정보가 통합 운영됩니다.',
    'terms.notice2': '통합회원이 되시면 하나의 회원정보(ID/자료대출번호)로 홈페이지 서비스 및 자료대출 서비스 등을 이용할 수 있습니다.',
    'terms.noticeLibraries': '소속 9개 기관',
    'terms.noticeElibrary': '같은 회원정보로 인천광역시교육청통합전자도서관도 이용할 수 있습니다.',
    'terms.docsLanguage': '',
    'terms.agreeTo': '{title}',
    'terms.agree': '동의합니다',
    'terms.disagree': '동의하지 않습니다',
    'terms.checkRequired': '동의가 필요합니다.',
    'terms.stoppedHeading': '회원가입이 중단되었습니다',
    'terms.stopped': '동의하지 않으시면 회원가입을 진행할 수 없습니다. 약관을 다시 보고 동의하시면 이어서 가입할 수 있습니다.',
    'terms.stoppedRecorded': '선택하신 "동의하지 않습니다" 응답은 기록되었습니다.',
    'terms.review': '약관 다시 보기',

    'identity.heading': '본인확인',
    'identity.leadGeneral': '본인 명의의 휴대폰 또는 아이핀(I-PIN)으로 본인인증을 해 주세요.',
    'identity.leadChild': '만 14세 미만 회원의 가입에는 보호자(법정대리인)의 동의가 필요합니다. 부모(보호자) 명의의 휴대폰 또는 아이핀으로 인증해 주세요. 보호자는 만 19세 이상이어야 합니다.',
    'identity.methods': '인증 방법',
    'identity.phone': '휴대폰 본인인증',
    'identity.ipin': 'I-PIN(아이핀)인증',
    'identity.ipinNew': 'I-PIN 신규발급',
    'identity.ipinNote': "※ 본인명의 휴대폰이 없을 경우에는 'I-PIN 신규발급'을 클릭하여 아이핀 가입 후 본인인증 가능. 인증은 새 창(팝업)에서 진행됩니다.",
    'identity.alreadyMember': '가입된 아이디: {masked}',
    'identity.findUsername': '아이디 찾기로 이동',


    'info.heading': '정보입력',
    'info.verifiedSelf': '본인확인 완료: {name} ({birthDate})',
    'info.verifiedGuardian': '보호자 인증 완료: {name} ({birthDate})',
    'info.childLegend': '자녀(가입자) 정보',
    'info.childName': '자녀 이름',
    'info.childBirthDate': '자녀 생년월일',
    'info.childBirthDateHint': '만 14세 미만이어야 합니다. 예: 2015-06-01',
    'info.accountLegend': '아이디와 비밀번호',
    'info.username': '아이디',
    'info.usernameHint': '영문 소문자로 시작하는 4~20자의 영문 소문자, 숫자, 밑줄(_)',
    'info.checkUsername': '아이디 중복확인',
    'info.usernameAvailable': '{username}: 사용할 수 있는 아이디입니다.',
    'info.usernameUnavailable': '{username}: 이미 사용 중이거나 사용할 수 없는 아이디입니다.',
    'info.password': '비밀번호',
    'info.passwordConfirm': '비밀번호 확인',
    'info.passwordMismatch': '비밀번호가 일치하지 않습니다.',
    'info.rules': '비밀번호 규칙',
    'info.ruleLength': '8자 이상 64자 이하',
    'info.ruleClasses': '영문 소문자·대문자·숫자·특수문자 중 3종류 이상 (10자 이상이면 2종류 이상)',
    'info.ruleUsername': '아이디를 포함하지 않음',
    'info.ruleMet': '충족',
    'info.ruleUnmet': '미충족',
    'info.contactLegend': '연락처와 소속 도서관',
    'info.contactLegendChild': '보호자 연락처와 소속 도서관',
    'info.email': '이메일',
    'info.emailChild': '보호자 이메일',
    'info.phone': '휴대폰 번호',
    'info.phoneChild': '보호자 휴대폰 번호',
    'info.phoneHint': '예: 010-1234-5678',
    'info.library': '소속 도서관',
    'info.libraryChoose': '도서관을 선택해 주세요',
    'info.submit': '가입하기',
    'info.required': '필수 입력 항목입니다.',

    'done.heading': '회원가입이 완료되었습니다',
    'done.lead': '통합회원으로 가입되었습니다. 하나의 회원정보로 소속 9개 기관을 모두 이용할 수 있습니다.',
    'done.username': '아이디',
    'done.loanCard': '자료대출번호',
    'done.memberType': '회원유형',
    'done.grade': '회원등급',
    'done.next': '준회원은 비대면 회원인증(인천시민인증 또는 인천학생인증)을 하면 통합전자도서관을 이용할 수 있습니다.',
    'done.login': '로그인',

    'login.heading': '로그인',
    'login.username': '아이디',
    'login.password': '비밀번호',
    'login.submit': '로그인',
    'login.needed': '로그인이 필요합니다.',
    'login.dormantRenew': '휴면 계정은 로그인 후 개인정보 재동의를 해야 다시 이용할 수 있습니다. (이 화면에서는 재동의를 지원하지 않습니다.)',

    'me.heading': '마이페이지',
    'me.profile': '회원정보',
    'me.username': '아이디',
    'me.name': '이름',
    'me.birthDate': '생년월일',
    'me.memberType': '회원유형',
    'me.grade': '회원등급',
    'me.loanCard': '자료대출번호',
    'me.homeLibrary': '소속 도서관',
    'me.email': '이메일',
    'me.phone': '휴대폰 번호',
    'me.guardian': '보호자',
    'me.status': '상태',
    'me.renewalDue': '개인정보 재동의 기한',
    'me.entitlements': '이용 가능한 서비스',
    'me.service': '서비스',
    'me.availability': '이용 여부',
    'me.yes': '이용 가능',
    'me.no': '이용 불가',
    'me.certifications': '인증 내역',
    'me.noCertifications': '아직 비대면 회원인증을 하지 않았습니다.',
    'me.certifyCta': '비대면자격확인인증안내',
    'me.loggedOut': '로그아웃되었습니다.',

    'grade.associate': '준회원',
    'grade.full': '정회원',
    'grade.light': '경회원',
    'memberType.general': '일반회원',
    'memberType.child': '어린이·학생회원',
    'status.active': '정상',
    'status.dormant': '휴면',
    'entitlement.eLibrary': '전자도서관',
    'entitlement.unmannedReservation': '무인예약',
    'entitlement.smartLibrary': '스마트도서관',
    'entitlement.deskLoans': '데스크 대출',
    'method.incheon-citizen': '인천시민인증',
    'method.incheon-student': '인천학생인증',

    'guide.heading': '비대면자격확인인증안내',
    'guide.citizen': '인천시민인증',
    'guide.citizenText1': '자격 확인이 필요한 행정·공공 서비스 이용 신청 시 신청인이 직접 본인 동의하에 행정안전부 행정정보공동이용 시스템을 통해 신청 자격을 확인하는 서비스입니다.',
    'guide.citizenText2': '일반 이용자들은 아래의 인천시민인증 버튼을 클릭하시면 추가 인증 페이지로 이동합니다.',
    'guide.student': '인천학생인증',
    'guide.studentText1': '학교도서관지원시스템(DLS)에 가입된 회원은 추가 인증을 통해 비대면 회원가입으로 전자도서관 이용이 가능합니다.',
    'guide.studentText2': '아래의 인천학생인증 버튼을 클릭하시면 추가 인증 페이지로 이동합니다.',
    'guide.notes': '유의사항',
    'guide.note1': '신규 회원가입하여 로그인 후 인증 가능합니다.',
    'guide.note2': '비대면 인증 회원은 원칙적으로 전자도서관만 이용할 수 있습니다. (무인예약 및 스마트도서관 제외)',
    'guide.note3': 'DLS 아이디/패스워드 정보를 모를 경우 해당 학교에 문의하여 주시기 바랍니다.',
    'guide.footnote': '※ 인천시민인증의 경우 주민등록상 거주지가 인천이어야 하며, 인천학생인증의 경우 학교도서관지원시스템(DLS) 본인 계정의 이름, ID, 비밀번호가 필요하며 모를 경우 해당 학교도서관에 문의해야 합니다.',
    'guide.goCitizen': '인천시민인증',
    'guide.goStudent': '인천학생인증',
    'guide.main': '메인으로',

    'cert.consentCheckCitizen': '인천시민 자격 확인 조회를 위하여 개인정보를 처리하는 것에 동의합니다.',
    'cert.consentCheckStudent': '개인정보 수집 제공에 동의합니다.',
    'cert.consentRequired': '개인정보 처리에 동의해야 인증할 수 있습니다.',
    'cert.citizenHeading': '인천시민인증',
    'cert.citizenForm': '인천시민인증 정보',
    'cert.name': '성명',
    'cert.rrn': '주민등록번호',
    'cert.rrnHint': '13자리 숫자(예: 900517-2345678). 입력값은 인증에만 쓰이고 저장되지 않습니다.',
    'cert.citizenNote': '* 준회원일 경우에만 인증을 통해 정회원으로 등록하시기 바랍니다.',
    'cert.citizenFootnote': '※ 인천시민인증은 행정안전부 행정정보공동이용 서비스 주소지 정보 연계를 통해 인천시민임을 확인합니다.',
    'cert.studentHeading': '인천학생인증(DLS)',
    'cert.studentForm': '학교도서관지원시스템(DLS) 회원정보',
    'cert.studentIntro': '※ 인천광역시교육청 공공도서관에서는 인천학생인증을 통한 경회원 자격 부여를 위하여 아래와 같이 개인정보를 수집합니다.',
    'cert.dlsName': 'DLS 회원명',
    'cert.dlsId': 'DLS 아이디',
    'cert.dlsPassword': 'DLS 패스워드',
    'cert.studentNote': '* 회원가입일 기준, 학교도서관지원시스템(DLS) 회원일 경우에만 인증을 통해 경회원으로 등록하시기 바랍니다.',
    'cert.dlsUnknown': '※ DLS 아이디/패스워드 정보를 모를 경우 해당 학교에 문의하여 주시기 바랍니다.',
    'cert.submit': '인증하기',
    'cert.cancel': '취소',
    'cert.guardianLegend': '보호자 동의 (만 14세 미만)',
    'cert.guardianText': '만 14세 미만 회원은 가입할 때 인증한 보호자가 다시 본인인증을 해야 합니다.',
    'cert.guardianDone': '보호자 인증 완료',
    'cert.guardianNeeded': '보호자 인증을 먼저 해 주세요.',
    'cert.successHeading': '인증이 완료되었습니다',
    'cert.successLead': '이제 통합전자도서관을 이용할 수 있습니다.',
    'cert.method': '인증 방법',
    'cert.toMe': '마이페이지로 이동',

    'recover.usernameHeading': '아이디 찾기',
    'recover.usernameLead': '가입할 때 인증한 휴대폰 또는 아이핀으로 본인인증을 하면 아이디를 알려 드립니다. 어린이·학생회원의 아이디는 보호자가 인증해 찾을 수 있습니다.',
    'recover.accounts': '찾은 아이디',
    'recover.createdOn': '가입일 {date}',
    'recover.passwordHeading': '비밀번호 찾기',
    'recover.passwordLead': '아이디와 새 비밀번호를 입력한 뒤, 가입할 때 인증한 휴대폰 또는 아이핀으로 본인인증을 하면 비밀번호가 바뀝니다.',
    'recover.newPassword': '새 비밀번호',
    'recover.passwordChanged': '비밀번호가 변경되었습니다. 새 비밀번호로 로그인해 주세요.',
    'recover.verifyWith': '본인인증 후 진행',

    'error.summary': '확인이 필요합니다',
    'error.network': '서버에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
    'error.restart': '처음부터 다시',
    'loading': '불러오는 중…',
  },
  en: {
    'site.title': 'Incheon public libraries: integrated membership',
    'site.skip': 'Skip to content',
    'site.nav': 'Member menu',
    'site.switch': '한국어',
    'site.switchLabel': '한국어로 보기',
    'site.footer': 'Integrated membership of the nine institutions of the Incheon Metropolitan Office of Education · local run (simulated identity provider)',
    'nav.home': 'Home',
    'nav.login': 'Sign in',
    'nav.signup': 'Sign up',
    'nav.findUsername': 'Find username',
    'nav.resetPassword': 'Reset password',
    'nav.certify': 'Non-face-to-face certification',
    'nav.me': 'My page',
    'nav.logout': 'Sign out',

    'home.heading': 'Integrated membership',
    'home.lead': 'One membership (username and loan-card number) for the web services and loans of all nine institutions of the Incheon Metropolitan Office of Education.',
    'home.signup': 'Sign up as a new member',
    'home.signupHint': 'Aged 14 or over: general member. Under 14: child/student member.',
    'home.login': 'Sign in',
    'home.loginHint': 'Sign in to see your membership and to certify.',
    'home.certify': 'Non-face-to-face certification',
    'home.certifyHint': 'Certify as an Incheon citizen or student to use the integrated e-library.',

    'signup.heading': 'Sign up',
    'stepper.label': 'Sign-up steps',
    'stepper.type': 'Member type',
    'stepper.terms': 'Terms',
    'stepper.identity': 'Identity',
    'stepper.info': 'Details',
    'stepper.current': 'current step',
    'stepper.done': 'done',

    'type.heading': 'Member type',
    'type.legend': 'Choose the kind of membership',
    'type.general': 'General member',
    'type.generalAge': 'aged 14 or over',
    'type.child': 'Child/student member',
    'type.childAge': 'under 14',
    'type.rule': '※ Under 14, a parent consents by verifying with their own mobile phone or I-PIN.',
    'type.ruleDetail': 'Age is the full age today (Korea time). Processing the personal data of a child under 14 needs the consent of a legal representative (guardian) (Personal Information Protection Act, art. 22-2).',
    'type.required': 'Choose a member type.',
    'type.next': 'Next',

    'terms.heading': 'Terms',
    'terms.intro1': '* Member information is run as one, on the integrated public-library system of the Incheon Metropolitan Office of Education.',
    'terms.intro2': '* To use the member services you must agree to the terms of use and the collection and use of personal information below.',
    'terms.noticeHeading': 'One membership for the Incheon public libraries',
    'terms.notice1': 'With the integrated library information system, the member information of the nine institutions of the Incheon Metropolitan Office of Education is run as one.',
    'terms.notice2': 'As an integrated member you use the web services and loans with one membership (username and loan-card number).',
    'terms.noticeLibraries': 'The nine institutions',
    'terms.noticeElibrary': 'The same membership also works at the integrated e-library (인천광역시교육청통합전자도서관).',
    'terms.docsLanguage': 'The documents are shown in Korean, the binding text.',
    'terms.agreeTo': 'I agree: {title}',
    'terms.agree': 'I agree',
    'terms.disagree': 'I do not agree',
    'terms.checkRequired': 'Agreement is required.',
    'terms.stoppedHeading': 'Sign-up stopped',
    'terms.stopped': 'Without this agreement the sign-up cannot go on. You may review the terms again and agree to continue.',
    'terms.stoppedRecorded': 'Your answer "I do not agree" has been recorded.',
    'terms.review': 'Review the terms again',

    'identity.heading': 'Identity',
    'identity.leadGeneral': 'Verify your identity with a mobile phone or I-PIN in your own name.',
    'identity.leadChild': "A child's sign-up needs the consent of a guardian (legal representative). Verify with the parent's or guardian's mobile phone or I-PIN. The guardian must be 19 or over.",
    'identity.methods': 'Verification method',
    'identity.phone': 'Mobile phone verification',
    'identity.ipin': 'I-PIN verification',
    'identity.ipinNew': 'New I-PIN',
    'identity.ipinNote': '※ Without a mobile phone in your own name, get an I-PIN first ("New I-PIN"), then verify with it. Verification opens in a new (pop-up) window.',
    'identity.alreadyMember': 'Existing username: {masked}',
    'identity.findUsername': 'Go to Find username',


    'info.heading': 'Details',
    'info.verifiedSelf': 'Identity verified: {name} ({birthDate})',
    'info.verifiedGuardian': 'Guardian verified: {name} ({birthDate})',
    'info.childLegend': 'The child (new member)',
    'info.childName': "Child's name",
    'info.childBirthDate': "Child's date of birth",
    'info.childBirthDateHint': 'Must be under 14. e.g. 2015-06-01',
    'info.accountLegend': 'Username and password',
    'info.username': 'Username',
    'info.usernameHint': '4 to 20 lower-case letters, digits or underscores, starting with a letter',
    'info.checkUsername': 'Check availability',
    'info.usernameAvailable': '{username} is available.',
    'info.usernameUnavailable': '{username} is taken or cannot be used.',
    'info.password': 'Password',
    'info.passwordConfirm': 'Confirm password',
    'info.passwordMismatch': 'The passwords do not match.',
    'info.rules': 'Password rules',
    'info.ruleLength': '8 to 64 characters',
    'info.ruleClasses': 'At least three of lower case, upper case, digits, symbols (two for 10 characters or more)',
    'info.ruleUsername': 'Does not contain the username',
    'info.ruleMet': 'met',
    'info.ruleUnmet': 'not met',
    'info.contactLegend': 'Contact and home library',
    'info.contactLegendChild': "Guardian's contact and home library",
    'info.email': 'E-mail',
    'info.emailChild': "Guardian's e-mail",
    'info.phone': 'Mobile phone',
    'info.phoneChild': "Guardian's mobile phone",
    'info.phoneHint': 'e.g. 010-1234-5678',
    'info.library': 'Home library',
    'info.libraryChoose': 'Choose a library',
    'info.submit': 'Sign up',
    'info.required': 'This field is required.',

    'done.heading': 'You are signed up',
    'done.lead': 'You are now an integrated member: one membership for all nine institutions.',
    'done.username': 'Username',
    'done.loanCard': 'Loan-card number',
    'done.memberType': 'Member type',
    'done.grade': 'Grade',
    'done.next': 'Associate members use the integrated e-library after a non-face-to-face certification (Incheon citizen or student).',
    'done.login': 'Sign in',

    'login.heading': 'Sign in',
    'login.username': 'Username',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.needed': 'Please sign in first.',
    'login.dormantRenew': 'A dormant account is used again after renewing consent. (This page does not offer the renewal.)',

    'me.heading': 'My page',
    'me.profile': 'Member details',
    'me.username': 'Username',
    'me.name': 'Name',
    'me.birthDate': 'Date of birth',
    'me.memberType': 'Member type',
    'me.grade': 'Grade',
    'me.loanCard': 'Loan-card number',
    'me.homeLibrary': 'Home library',
    'me.email': 'E-mail',
    'me.phone': 'Mobile phone',
    'me.guardian': 'Guardian',
    'me.status': 'Status',
    'me.renewalDue': 'Consent renewal due',
    'me.entitlements': 'Services you may use',
    'me.service': 'Service',
    'me.availability': 'Available',
    'me.yes': 'Yes',
    'me.no': 'No',
    'me.certifications': 'Certifications',
    'me.noCertifications': 'No non-face-to-face certification yet.',
    'me.certifyCta': 'Non-face-to-face certification',
    'me.loggedOut': 'You are signed out.',

    'grade.associate': 'Associate member (준회원)',
    'grade.full': 'Full member (정회원)',
    'grade.light': 'Light member (경회원)',
    'memberType.general': 'General member',
    'memberType.child': 'Child/student member',
    'status.active': 'Active',
    'status.dormant': 'Dormant',
    'entitlement.eLibrary': 'E-library',
    'entitlement.unmannedReservation': 'Unmanned reservation',
    'entitlement.smartLibrary': 'Smart library',
    'entitlement.deskLoans': 'Loans at the desk',
    'method.incheon-citizen': 'Incheon citizen certification',
    'method.incheon-student': 'Incheon student certification',

    'guide.heading': 'Non-face-to-face certification',
    'guide.citizen': 'Incheon citizen certification',
    'guide.citizenText1': "With your consent, your eligibility is checked through the Ministry of the Interior and Safety's administrative information sharing system.",
    'guide.citizenText2': 'Most members choose Incheon citizen certification below.',
    'guide.student': 'Incheon student certification',
    'guide.studentText1': 'Members of the school library support system (DLS) can use the e-library after an additional certification.',
    'guide.studentText2': 'Choose Incheon student certification below.',
    'guide.notes': 'Please note',
    'guide.note1': 'Sign up and sign in first, then certify.',
    'guide.note2': 'Members certified without a visit may in principle use only the e-library (no unmanned reservation, no smart library).',
    'guide.note3': 'If you do not know your DLS username or password, ask your school.',
    'guide.footnote': '※ Incheon citizen certification needs a registered address in Incheon; Incheon student certification needs the name, ID and password of your own DLS account (ask your school library if you do not know them).',
    'guide.goCitizen': 'Incheon citizen certification',
    'guide.goStudent': 'Incheon student certification',
    'guide.main': 'Back to home',

    'cert.consentCheckCitizen': 'I agree to the processing of my personal information to confirm that I am an Incheon citizen.',
    'cert.consentCheckStudent': 'I agree to the collection and provision of my personal information.',
    'cert.consentRequired': 'Agree to the processing of personal information to certify.',
    'cert.citizenHeading': 'Incheon citizen certification',
    'cert.citizenForm': 'Incheon citizen details',
    'cert.name': 'Name',
    'cert.rrn': 'Resident registration number',
    'cert.rrnHint': '13 digits (e.g. 900517-2345678). Used for the check only, never stored.',
    'cert.citizenNote': '* Certify only as an associate member, to become a full member.',
    'cert.citizenFootnote': "※ Incheon citizenship is confirmed from the registered address, through the Ministry of the Interior and Safety's information sharing service.",
    'cert.studentHeading': 'Incheon student certification (DLS)',
    'cert.studentForm': 'Your school library support system (DLS) account',
    'cert.studentIntro': '※ The Incheon public libraries collect the information below to grant the light membership through Incheon student certification.',
    'cert.dlsName': 'DLS member name',
    'cert.dlsId': 'DLS username',
    'cert.dlsPassword': 'DLS password',
    'cert.studentNote': '* Certify only if you were a DLS member on the day you signed up, to become a light member.',
    'cert.dlsUnknown': '※ If you do not know your DLS username or password, ask your school.',
    'cert.submit': 'Certify',
    'cert.cancel': 'Cancel',
    'cert.guardianLegend': 'Guardian consent (under 14)',
    'cert.guardianText': 'For a member under 14, the guardian who signed them up verifies again.',
    'cert.guardianDone': 'Guardian verified',
    'cert.guardianNeeded': 'Please have the guardian verify first.',
    'cert.successHeading': 'Certification complete',
    'cert.successLead': 'You may now use the integrated e-library.',
    'cert.method': 'Certification',
    'cert.toMe': 'Go to My page',

    'recover.usernameHeading': 'Find username',
    'recover.usernameLead': 'Verify with the mobile phone or I-PIN you signed up with to see your username. A guardian verifies to find the usernames of their children.',
    'recover.accounts': 'Usernames found',
    'recover.createdOn': 'signed up on {date}',
    'recover.passwordHeading': 'Reset password',
    'recover.passwordLead': 'Enter your username and a new password, then verify with the mobile phone or I-PIN you signed up with.',
    'recover.newPassword': 'New password',
    'recover.passwordChanged': 'Your password has been changed. Sign in with the new password.',
    'recover.verifyWith': 'Verify and continue',

    'error.summary': 'Please check',
    'error.network': 'The server cannot be reached. Please try again shortly.',
    'error.restart': 'Start again',
    'loading': 'Loading…',
  },
};

/** English names of the nine institutions; Korean comes from GET /v1/libraries. */
const LIBRARY_NAMES_EN = {
  gyeyang: 'Gyeyang Library',
  juan: 'Juan Library',
  'lifelong-learning': 'Lifelong Learning Center',
  bupyeong: 'Bupyeong Library',
  central: 'Central Library',
  hwadojin: 'Hwadojin Library',
  seogu: 'Seo-gu Library',
  'integrated-public': 'Integrated Public Library',
  yeonsu: 'Yeonsu Library',
};

const STORAGE_KEY = 'membership.lang';
let current = readStoredLanguage();
const listeners = new Set();

function readStoredLanguage() {
  try {
    return sessionStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ko';
  } catch {
    return 'ko';
  }
}

export function language() {
  return current;
}

/** The string `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = STRINGS[current][key] ?? STRINGS.ko[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

/** Adds a module's own strings (`{ ko: {...}, en: {...} }`), so a screen can keep them beside its code. */
export function addStrings(table) {
  for (const lang of Object.keys(STRINGS)) Object.assign(STRINGS[lang], table[lang] ?? {});
}

export function libraryName(library) {
  if (current === 'en' && LIBRARY_NAMES_EN[library.code]) {
    return `${LIBRARY_NAMES_EN[library.code]} (${library.name})`;
  }
  return library.name;
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

/** Switches the page's language: `lang` on <html>, every element labelled with a key, and listeners. */
export function setLanguage(lang) {
  current = lang === 'en' ? 'en' : 'ko';
  try {
    sessionStorage.setItem(STORAGE_KEY, current);
  } catch {
    // A private window without storage keeps the choice for this page only.
  }
  relabel(document);
  for (const listener of listeners) listener(current);
}

/** Re-labels `root`: text from `data-i18n`, attributes from `data-i18n-<attribute>`. */
export function relabel(root) {
  document.documentElement.lang = current;
  for (const node of root.querySelectorAll('[data-i18n]')) {
    const params = node.dataset.i18nParams ? JSON.parse(node.dataset.i18nParams) : {};
    node.textContent = t(node.dataset.i18n, params);
  }
  for (const node of root.querySelectorAll('[data-i18n-attrs]')) {
    for (const pair of node.dataset.i18nAttrs.split(' ')) {
      const [attribute, key] = pair.split('=');
      node.setAttribute(attribute, t(key));
    }
  }
}
