package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Subject tokens: HS256 with a per-server key, or unsigned ({@code alg: none}). */
final class Jwt {
    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final Base64.Encoder ENC = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DEC = Base64.getUrlDecoder();

    record Claims(String subject, Instant expiresAt, JsonNode payload) {}

    private final byte[] key = Ids.bytes(32);

    String mint(String subject, Instant now, Duration life, String audience) {
        ObjectNode header = Json.obj().put("alg", "HS256").put("typ", "JWT");
        ObjectNode payload = Json.obj()
                .put("iss", ISSUER)
                .put("sub", subject)
                .put("iat", now.getEpochSecond())
                .put("nbf", now.getEpochSecond())
                .put("exp", now.plus(life).getEpochSecond());
        if (audience != null) {
            payload.putArray("aud").add(audience);
        }
        String signingInput = ENC.encodeToString(Json.bytes(header)) + '.' + ENC.encodeToString(Json.bytes(payload));
        return signingInput + '.' + ENC.encodeToString(hmac(signingInput));
    }

    /** Validates structure, signature, {@code exp}, {@code nbf} and (when required) {@code aud}. */
    Claims verify(String token, Instant now, String requiredAudience) {
        String[] parts = token.trim().split("\\.", -1);
        if (parts.length != 3) {
            throw invalid("subject token is not a JWT (expected 3 dot-separated parts)");
        }
        JsonNode header = decode(parts[0], "header");
        JsonNode payload = decode(parts[1], "payload");
        String alg = header.path("alg").asText("");
        if (alg.equals("HS256")) {
            byte[] sig;
            try {
                sig = DEC.decode(parts[2]);
            } catch (IllegalArgumentException e) {
                throw invalid("subject token signature is not base64url");
            }
            if (!MessageDigest.isEqual(sig, hmac(parts[0] + '.' + parts[1]))) {
                throw invalid("subject token signature does not verify (not minted by this dev server)");
            }
        } else if (alg.equals("none")) {
            if (!parts[2].isEmpty()) {
                throw invalid("an unsigned subject token (alg none) must have an empty signature");
            }
        } else {
            throw invalid("subject token alg " + alg + " is not accepted by the dev server (HS256 or none)");
        }
        JsonNode exp = payload.get("exp");
        if (exp == null || !exp.isNumber()) {
            throw invalid("subject token has no numeric exp claim");
        }
        Instant expiresAt = Instant.ofEpochSecond(exp.asLong());
        if (!expiresAt.isAfter(now)) {
            throw ApiError.unauthorized("token_expired", "subject token expired at " + expiresAt);
        }
        JsonNode nbf = payload.get("nbf");
        if (nbf != null && nbf.isNumber() && Instant.ofEpochSecond(nbf.asLong()).isAfter(now.plusSeconds(60))) {
            throw invalid("subject token is not valid before " + Instant.ofEpochSecond(nbf.asLong()));
        }
        String sub = payload.path("sub").asText("");
        if (sub.isEmpty()) {
            throw invalid("subject token has no sub claim");
        }
        if (requiredAudience != null && !hasAudience(payload.get("aud"), requiredAudience)) {
            throw invalid("subject token audience does not include " + requiredAudience);
        }
        return new Claims(sub, expiresAt, payload);
    }

    private static boolean hasAudience(JsonNode aud, String required) {
        if (aud == null) {
            return false;
        }
        if (aud.isTextual()) {
            return aud.asText().equals(required);
        }
        for (JsonNode a : aud) {
            if (a.asText().equals(required)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode decode(String part, String what) {
        try {
            JsonNode n = Json.MAPPER.readTree(new String(DEC.decode(part), StandardCharsets.UTF_8));
            if (n == null || !n.isObject()) {
                throw invalid("subject token " + what + " is not a JSON object");
            }
            return n;
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw invalid("subject token " + what + " is not base64url JSON");
        }
    }

    private static ApiError invalid(String message) {
        return ApiError.unauthorized("token_invalid", message);
    }

    private byte[] hmac(String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
