package dev.scaivault.testkit;

import dev.scaivault.testkit.leak.IssuedSecrets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/** Bearer tokens the server accepts: static ones from the builder and opaque ones it issued. */
final class Tokens {
    static final class Token {
        final String identityId;
        final String identityType;
        final List<String> scopes;
        final Instant issuedAt;
        /** {@code null}: never expires (static tokens). */
        final Instant expiresAt;

        volatile boolean revoked;
        volatile boolean forcedExpired;

        Token(String identityId, String identityType, List<String> scopes, Instant issuedAt, Instant expiresAt) {
            this.identityId = identityId;
            this.identityType = identityType;
            this.scopes = List.copyOf(scopes);
            this.issuedAt = issuedAt;
            this.expiresAt = expiresAt;
        }
    }

    private final Clock clock;
    private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

    Tokens(Clock clock) {
        this.clock = clock;
    }

    void addStatic(String token, String identityId) {
        tokens.put(token, new Token(identityId, "user", List.of("*"), clock.instant(), null));
    }

    String issue(String identityId, String identityType, List<String> scopes, Duration lifetime) {
        String token = "sva_" + Ids.alnum(40);
        IssuedSecrets.issued(token);
        Instant now = clock.instant();
        tokens.put(token, new Token(identityId, identityType, scopes, now, now.plus(lifetime)));
        return token;
    }

    /** The token named by an {@code Authorization} header, or the 401 a real server would answer. */
    Token authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw ApiError.unauthorized("authentication_required", "no Authorization header");
        }
        String a = authorization.trim();
        if (!a.toLowerCase(Locale.ROOT).startsWith("bearer ")) {
            throw ApiError.unauthorized("token_invalid", "the Authorization header is not a Bearer token");
        }
        Token t = tokens.get(a.substring(7).trim());
        if (t == null) {
            throw ApiError.unauthorized("token_invalid", "unknown bearer token");
        }
        if (t.revoked) {
            throw ApiError.unauthorized("token_revoked", "the bearer token was revoked");
        }
        if (t.forcedExpired || (t.expiresAt != null && !clock.instant().isBefore(t.expiresAt))) {
            throw ApiError.unauthorized("token_expired", "the bearer token expired");
        }
        return t;
    }

    void revoke(String bearer) {
        find(bearer).revoked = true;
    }

    void expire(String bearer) {
        find(bearer).forcedExpired = true;
    }

    private Token find(String bearer) {
        Token t = tokens.get(bearer);
        if (t == null) {
            throw new IllegalArgumentException("the dev server never issued or accepted that token");
        }
        return t;
    }
}
