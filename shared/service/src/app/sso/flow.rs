//! The provider's use cases: authorize, exchange a code, refresh, userinfo, logout, and the client
//! authentication of the token endpoint.

use super::*;

impl Service {
    /// The member's `sub` at `client`: pairwise (OIDC Core §8.1), the HMAC of the client id and
    /// the member id under the pepper key, which never rotates, so it is stable per client and
    /// cannot be joined across clients (PIPA).
    pub fn pairwise_sub(&self, client_id: &str, member_id: &str) -> String {
        crate::keys::hex(&self.keys.current().di_pepper.hmac(&[
            b"oidc-pairwise-sub",
            client_id.as_bytes(),
            member_id.as_bytes(),
        ]))
    }

    /// The registered client, if `redirect_uri` is one of its redirect URIs exactly.
    fn client_redirecting_to(&self, client_id: &str, redirect_uri: &str) -> Result<&Client, SsoFailure> {
        self.sso.clients.get(client_id).filter(|c| c.redirects_to(redirect_uri)).ok_or(SsoFailure::InvalidClient)
    }

    /// `POST /v1/oauth2/authorizations`: the member approves (or declines) a client's request.
    pub async fn authorize(
        &self,
        token: Option<String>,
        request: AuthorizationRequest,
    ) -> Result<Authorization, SsoFailure> {
        let client = self.client_redirecting_to(&request.client_id, &request.redirect_uri)?.clone();
        let state = request.state.as_deref();
        let refuse = |error: &str| {
            let mut params = vec![("error", error), ("iss", self.sso.issuer.as_str())];
            if let Some(state) = state {
                params.push(("state", state));
            }
            Ok(Authorization::Refused { redirect_to: with_query(&request.redirect_uri, &params) })
        };
        if request.decline {
            return refuse("access_denied");
        }
        let caller = match token {
            Some(token) => self.authenticate(&token, false).await,
            None => Err(Failure::TokenInvalid),
        };
        let caller = match caller {
            Err(Failure::TokenInvalid) if request.prompt_none => return refuse("login_required"),
            other => other?,
        };
        if request.response_type != "code" {
            return refuse("unsupported_response_type");
        }
        let Some(scope) = granted_scope(&request.scope, &client) else {
            return refuse("invalid_scope");
        };
        let challenge = match (request.code_challenge_method.as_deref(), request.code_challenge.as_deref()) {
            (Some("S256"), Some(challenge)) if is_s256_challenge(challenge) => challenge.to_owned(),
            _ => return refuse("invalid_request"),
        };
        let entitlements = caller.member.grade.entitlements();
        if let Some(missing) = client.requires.iter().find(|e| !e.held_in(&entitlements)) {
            return Err(SsoFailure::EntitlementRequired(*missing));
        }
        let now = self.clock.now();
        let code = random_token();
        let record =
            new_code(&caller, &client, &request.redirect_uri, scope, challenge, request.nonce.clone(), &code, now);
        self.records.create_authorization_code(&record).await?;
        let mut params = vec![("code", code.as_str()), ("iss", self.sso.issuer.as_str())];
        if let Some(state) = state {
            params.push(("state", state));
        }
        Ok(Authorization::Issued { redirect_to: with_query(&request.redirect_uri, &params) })
    }

    /// `grant_type=authorization_code`: the code, once, for the client it was issued to, with the
    /// redirect URI it was issued for and the PKCE verifier of its challenge.
    pub async fn exchange_code(
        &self,
        client: &Client,
        code: &str,
        redirect_uri: &str,
        verifier: Option<&str>,
    ) -> Result<TokenAnswer, TokenFailure> {
        let now = self.clock.now();
        let mut record =
            self.records.authorization_code(&token_hash(code), now).await?.ok_or(TokenFailure::InvalidGrant)?;
        if record.client_id != client.client_id {
            return Err(TokenFailure::InvalidGrant);
        }
        if record.used {
            self.revoke_grant(&record.grant_id).await?;
            return Err(TokenFailure::InvalidGrant);
        }
        let genuine = now < record.expires_at
            && record.redirect_uri == redirect_uri
            && verifier.is_some_and(|v| verifier_matches(v, &record.code_challenge));
        if !genuine {
            return Err(TokenFailure::InvalidGrant);
        }
        let member = self.member_in_good_standing(&record.member_id, record.credential_epoch, now).await?;
        let refresh_token = GrantToken::issue(&self.keys.current().token_signing, REFRESH_LABEL, &record.grant_id, 0);
        let grant = GrantRecord {
            grant_id: record.grant_id.clone(),
            client_id: client.client_id.clone(),
            member_id: member.member_id.clone(),
            session_id: record.session_id.clone(),
            credential_epoch: record.credential_epoch,
            scope: record.scope.clone(),
            auth_time: record.auth_time,
            created_at: now,
            ends_at: now + GRANT_LIFETIME,
            refresh_generation: 0,
            refresh_hash: token_hash(&refresh_token),
            refresh_expires_at: now + REFRESH_LIFETIME,
            revoked: false,
            version: 0,
        };
        // The answer is made (and signed) before anything is written.
        let answer = self.token_answer(&grant, &member, record.nonce.as_deref(), refresh_token, now).await?;
        match self.records.exchange_code(&mut record, &grant).await {
            Ok(()) => Ok(answer),
            // The code was exchanged by another request meanwhile: it was used twice.
            Err(StoreError::ConditionFailed { .. }) => {
                self.revoke_grant(&record.grant_id).await?;
                Err(TokenFailure::InvalidGrant)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// `grant_type=refresh_token`: a new access token and a new refresh token; an older refresh
    /// token presented again revokes the grant. `scope`, when given, may only repeat the grant's.
    pub async fn refresh_grant(
        &self,
        client: &Client,
        presented: &str,
        scope: Option<&str>,
    ) -> Result<TokenAnswer, TokenFailure> {
        let now = self.clock.now();
        let key = self.keys.current().token_signing.clone();
        // A token the service did not issue changes nothing, whatever grant it names.
        let token = GrantToken::verify(&key, REFRESH_LABEL, presented).ok_or(TokenFailure::InvalidGrant)?;
        let mut grant = self.records.grant(&token.grant_id, now).await?.ok_or(TokenFailure::InvalidGrant)?;
        if grant.client_id != client.client_id || grant.revoked {
            return Err(TokenFailure::InvalidGrant);
        }
        if token.number < i64::from(grant.refresh_generation) {
            self.revoke_grant(&grant.grant_id).await?;
            return Err(TokenFailure::InvalidGrant);
        }
        let current =
            token.number == i64::from(grant.refresh_generation) && token_matches(presented, &grant.refresh_hash);
        if !current || now >= grant.refresh_expires_at || now >= grant.ends_at {
            return Err(TokenFailure::InvalidGrant);
        }
        if let Some(scope) = scope {
            let held: Vec<&str> = grant.scope.split(' ').collect();
            if scope.split(' ').any(|s| !held.contains(&s)) {
                return Err(TokenFailure::InvalidScope);
            }
        }
        let member = self.member_in_good_standing(&grant.member_id, grant.credential_epoch, now).await?;
        grant.refresh_generation += 1;
        let refresh_token =
            GrantToken::issue(&key, REFRESH_LABEL, &grant.grant_id, i64::from(grant.refresh_generation));
        grant.refresh_hash = token_hash(&refresh_token);
        grant.refresh_expires_at = (now + REFRESH_LIFETIME).min(grant.ends_at);
        let answer = self.token_answer(&grant, &member, None, refresh_token, now).await?;
        match self.records.update_grant(&mut grant).await {
            Ok(()) => Ok(answer),
            // Another request rotated this token first: the token was presented twice.
            Err(StoreError::ConditionFailed { .. }) => {
                self.revoke_grant(&grant.grant_id).await?;
                Err(TokenFailure::InvalidGrant)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// The member of a grant, if it still exists, is active (neither dormant nor withdrawn) and
    /// holds the credentials the grant was made under.
    async fn member_in_good_standing(
        &self,
        member_id: &str,
        credential_epoch: u32,
        now: OffsetDateTime,
    ) -> Result<MemberRecord, TokenFailure> {
        let member = self.records.member(member_id).await?.ok_or(TokenFailure::InvalidGrant)?;
        let active = standing(member.consent_renewed_at, now) == Standing::Active;
        if !active || member.credential_epoch != credential_epoch {
            return Err(TokenFailure::InvalidGrant);
        }
        Ok(member)
    }

    async fn token_answer(
        &self,
        grant: &GrantRecord,
        member: &MemberRecord,
        nonce: Option<&str>,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> Result<TokenAnswer, TokenFailure> {
        let claims = IdTokenClaims {
            iss: &self.sso.issuer,
            sub: self.pairwise_sub(&grant.client_id, &member.member_id),
            aud: &grant.client_id,
            exp: (now + ACCESS_LIFETIME).unix_timestamp(),
            iat: now.unix_timestamp(),
            auth_time: grant.auth_time.unix_timestamp(),
            nonce,
            sid: &grant.grant_id,
            claims: ScopedClaims::of(member, &grant.scope),
        };
        let id_token = sign_jwt(self.sso.signer.as_ref(), &claims).await?;
        let expires = (now + ACCESS_LIFETIME).unix_timestamp();
        Ok(TokenAnswer {
            access_token: GrantToken::issue(&self.keys.current().token_signing, ACCESS_LABEL, &grant.grant_id, expires),
            token_type: "Bearer",
            expires_in: ACCESS_LIFETIME.whole_seconds(),
            id_token,
            refresh_token,
            scope: grant.scope.clone(),
        })
    }

    /// Marks a grant revoked: its refresh token and access tokens stop working. A grant that is
    /// gone (or was never made) has nothing left to revoke.
    async fn revoke_grant(&self, grant_id: &str) -> Result<(), Failure> {
        for _ in 0..3 {
            let Some(mut grant) = self.records.grant(grant_id, self.clock.now()).await? else { return Ok(()) };
            if grant.revoked {
                return Ok(());
            }
            grant.revoked = true;
            match self.records.update_grant(&mut grant).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed { .. }) => continue,
                Err(error) => return Err(error.into()),
            }
        }
        Err(Failure::Unavailable(StoreError::Conflict))
    }

    /// `GET /oauth2/userinfo`: the claims of a live grant's access token; `None` for a token that
    /// is not (RFC 6750 `invalid_token`).
    pub async fn userinfo(&self, token: &str) -> Result<Option<UserInfo>, Failure> {
        let now = self.clock.now();
        let Some(token) = GrantToken::verify(&self.keys.current().token_signing, ACCESS_LABEL, token) else {
            return Ok(None);
        };
        if now.unix_timestamp() >= token.number {
            return Ok(None);
        }
        let Some(grant) = self.records.grant(&token.grant_id, now).await?.filter(|g| !g.revoked) else {
            return Ok(None);
        };
        let member = match self.member_in_good_standing(&grant.member_id, grant.credential_epoch, now).await {
            Ok(member) => member,
            Err(TokenFailure::Service(failure)) => return Err(failure),
            Err(_) => return Ok(None),
        };
        Ok(Some(UserInfo {
            sub: self.pairwise_sub(&grant.client_id, &member.member_id),
            claims: ScopedClaims::of(&member, &grant.scope),
        }))
    }

    /// The public keys of the JWKS.
    pub async fn signing_keys(&self) -> Result<Vec<PublicJwk>, Failure> {
        self.sso.signer.public_keys().await.map_err(|e| Failure::Internal(Box::new(e)))
    }

    /// `GET /oauth2/logout` (RP-Initiated Logout 1.0): ends the membership-site session the ID
    /// token was issued in, and its grant; sends the browser back only to a URI the client
    /// registered for it.
    pub async fn logout(
        &self,
        id_token_hint: Option<&str>,
        client_id: Option<&str>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<Logout, SsoFailure> {
        let hint = match id_token_hint {
            Some(token) => {
                let keys = self.signing_keys().await?;
                let payload = verified_payload(token, &keys)
                    .filter(|p| p["iss"].as_str() == Some(self.sso.issuer.as_str()))
                    .ok_or(SsoFailure::InvalidClient)?;
                Some(payload)
            }
            None => None,
        };
        let audience = hint.as_ref().and_then(|p| p["aud"].as_str().map(str::to_owned));
        if let (Some(audience), Some(client_id)) = (&audience, client_id) {
            if audience != client_id {
                return Err(SsoFailure::InvalidClient);
            }
        }
        let client = audience.as_deref().or(client_id).and_then(|id| self.sso.clients.get(id));
        let redirect = match post_logout_redirect_uri {
            Some(uri) => match client {
                Some(client) if client.logs_out_to(uri) => Some(uri),
                _ => return Err(SsoFailure::InvalidClient),
            },
            None => None,
        };
        if let Some(grant_id) = hint.as_ref().and_then(|p| p["sid"].as_str()) {
            if let Some(grant) = self.records.grant(grant_id, self.clock.now()).await? {
                self.end_session(&grant.session_id).await?;
                self.revoke_grant(grant_id).await?;
            }
        }
        Ok(match redirect {
            Some(uri) => {
                let params: Vec<(&str, &str)> = state.map(|s| vec![("state", s)]).unwrap_or_default();
                Logout::Redirect(if params.is_empty() { uri.to_owned() } else { with_query(uri, &params) })
            }
            None => Logout::SignedOut,
        })
    }

    /// Revokes a membership-site session, as signing out does.
    async fn end_session(&self, session_id: &str) -> Result<(), Failure> {
        for _ in 0..3 {
            let Some(mut session) = self.records.session(session_id, self.clock.now()).await? else { return Ok(()) };
            if session.revoked {
                return Ok(());
            }
            session.revoked = true;
            match self.records.update_session(&mut session).await {
                Ok(()) => return Ok(()),
                Err(crate::records::Refusal::Refused(_)) => continue,
                Err(crate::records::Refusal::Store(error)) => return Err(error.into()),
            }
        }
        Err(Failure::Unavailable(StoreError::Conflict))
    }

    /// The registered client a token request authenticates as (RFC 6749 §2.3, §3.2.1):
    /// confidential clients by HTTP Basic with their secret, public ones by `client_id` alone.
    pub fn authenticate_client(
        &self,
        basic: Option<(String, String)>,
        form_client_id: Option<&str>,
    ) -> Result<Client, TokenFailure> {
        match basic {
            Some((id, secret)) => {
                if form_client_id.is_some_and(|form| form != id) {
                    return Err(TokenFailure::InvalidRequest);
                }
                let client = self.sso.clients.get(&id).ok_or(TokenFailure::InvalidClient)?;
                match client.client_type {
                    ClientType::Confidential if client.secret_matches(&secret) => Ok(client.clone()),
                    _ => Err(TokenFailure::InvalidClient),
                }
            }
            None => {
                let client =
                    form_client_id.and_then(|id| self.sso.clients.get(id)).ok_or(TokenFailure::InvalidClient)?;
                match client.client_type {
                    ClientType::Public => Ok(client.clone()),
                    ClientType::Confidential => Err(TokenFailure::InvalidClient),
                }
            }
        }
    }
}
