package dev.scaivault.webhook;

import dev.scaivault.webhook.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies ScaiVault webhook deliveries: {@code X-ScaiVault-Signature: sha256=<hex>} must be the
 * HMAC-SHA256, under one of the accepted secrets, of {@code <X-ScaiVault-Timestamp>.<raw body bytes>}, and
 * the timestamp (unix seconds) must be within the tolerance of now. Several secrets may be accepted at once,
 * so a webhook secret can be rotated without dropping deliveries. Immutable and thread-safe.
 *
 * <pre>{@code
 * WebhookVerifier verifier = WebhookVerifier.builder().secret(System.getenv("SCAIVAULT_WEBHOOK_SECRET")).build();
 * VerifiedWebhook event = verifier.verify(request::getHeader, rawBody); // throws WebhookVerificationException
 * }</pre>
 *
 * <p>Verify the raw bytes as received: a body parsed and written again (same JSON, other bytes) fails.
 */
public final class WebhookVerifier {
    public static final String SIGNATURE_HEADER = "X-ScaiVault-Signature";
    public static final String TIMESTAMP_HEADER = "X-ScaiVault-Timestamp";
    public static final String EVENT_ID_HEADER = "X-ScaiVault-Event-Id";
    public static final String EVENT_TYPE_HEADER = "X-ScaiVault-Event-Type";

    private static final String SCHEME = "sha256=";
    private static final String ALGORITHM = "HmacSHA256";
    private static final int SIGNATURE_HEX_LENGTH = 64;

    private final List<byte[]> secrets;
    private final Duration tolerance;
    private final Clock clock;

    private WebhookVerifier(Builder b) {
        this.secrets = List.copyOf(b.secrets);
        this.tolerance = b.tolerance;
        this.clock = b.clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Verifies a delivery.
     *
     * @param headers looks a header up by name, {@code null} when absent (for a servlet: {@code
     *     request::getHeader}); names are asked for as ScaiVault spells them
     * @param body the raw request body, exactly as received
     * @throws WebhookVerificationException with the {@link Reason}
     */
    public VerifiedWebhook verify(Function<String, String> headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
        String signature = required(headers, SIGNATURE_HEADER);
        String timestamp = required(headers, TIMESTAMP_HEADER);
        long seconds = parseTimestamp(timestamp);
        List<byte[]> offered = parseSignatures(signature);

        byte[] signed = signedBytes(timestamp, body);
        boolean match = false;
        for (byte[] secret : secrets) {
            byte[] expected = hmac(secret, signed);
            for (byte[] candidate : offered) {
                // Constant time, so response timing does not reveal how much of a forged signature is right.
                match |= MessageDigest.isEqual(expected, candidate);
            }
        }
        if (!match) {
            throw new WebhookVerificationException(
                    Reason.BAD_SIGNATURE,
                    SIGNATURE_HEADER + " does not match the body under any of the " + secrets.size()
                            + " accepted secret(s); verify the raw body bytes as received, not re-serialized JSON");
        }
        Instant signedAt = Instant.ofEpochSecond(seconds);
        Duration skew = Duration.between(signedAt, clock.instant()).abs();
        if (skew.compareTo(tolerance) > 0) {
            throw new WebhookVerificationException(
                    Reason.STALE_TIMESTAMP,
                    TIMESTAMP_HEADER + " " + timestamp + " (" + signedAt + ") is " + skew.toSeconds()
                            + " s away from now, more than the accepted " + tolerance.toSeconds() + " s");
        }
        return new VerifiedWebhook(
                signedAt,
                blankToNull(headers.apply(EVENT_ID_HEADER)),
                blankToNull(headers.apply(EVENT_TYPE_HEADER)),
                body);
    }

    /** Verifies a delivery whose headers are in a map; header names match case-insensitively. */
    public VerifiedWebhook verify(Map<String, String> headers, byte[] body) {
        Objects.requireNonNull(headers, "headers");
        return verify(name -> lookup(headers, name), body);
    }

    /**
     * The {@code X-ScaiVault-Signature} value ScaiVault would send for {@code body} signed at {@code
     * timestamp}; for tests and for servers that emit ScaiVault-compatible webhooks.
     */
    public static String signatureHeader(String secret, long timestamp, byte[] body) {
        Objects.requireNonNull(secret, "secret");
        return SCHEME
                + HexFormat.of()
                        .formatHex(hmac(
                                secret.getBytes(StandardCharsets.UTF_8), signedBytes(Long.toString(timestamp), body)));
    }

    @Override
    public String toString() {
        return "WebhookVerifier{secrets=" + secrets.size() + ", tolerance=" + tolerance + '}';
    }

    private static String required(Function<String, String> headers, String name) {
        String v = headers.apply(name);
        if (v == null || v.isBlank()) {
            throw new WebhookVerificationException(Reason.MISSING_HEADER, "header " + name + " is missing");
        }
        return v.trim();
    }

    private static long parseTimestamp(String v) {
        if (v.isEmpty() || v.length() > 12 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new WebhookVerificationException(
                    Reason.MALFORMED,
                    "header " + TIMESTAMP_HEADER + " must be unix seconds, got '" + abbreviate(v) + "'");
        }
        return Long.parseLong(v);
    }

    /** One or more comma-separated {@code sha256=<hex>} values (a sender may sign with several secrets). */
    private static List<byte[]> parseSignatures(String header) {
        List<byte[]> out = new ArrayList<>();
        for (String part : header.split(",")) {
            String p = part.trim();
            if (!p.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
                continue;
            }
            String hex = p.substring(SCHEME.length());
            if (hex.length() != SIGNATURE_HEX_LENGTH) {
                continue;
            }
            try {
                out.add(HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                // Not hex: no candidate from this part.
            }
        }
        if (out.isEmpty()) {
            throw new WebhookVerificationException(
                    Reason.MALFORMED,
                    "header " + SIGNATURE_HEADER + " must be " + SCHEME + "<64 hex digits>, got a value of "
                            + header.length() + " characters");
        }
        return out;
    }

    private static byte[] signedBytes(String timestamp, byte[] body) {
        byte[] prefix = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(body, 0, all, prefix.length, body.length);
        return all;
    }

    private static byte[] hmac(byte[] secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret, ALGORITHM));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(ALGORITHM + " is not available in this JVM", e);
        }
    }

    private static String lookup(Map<String, String> headers, String name) {
        String v = headers.get(name);
        if (v != null) {
            return v;
        }
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String abbreviate(String v) {
        return v.length() <= 20 ? v : v.substring(0, 20) + "...";
    }

    /** Configures a {@link WebhookVerifier}. */
    public static final class Builder {
        private final List<byte[]> secrets = new ArrayList<>();
        private Duration tolerance = Duration.ofSeconds(300);
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /**
         * Accepts deliveries signed with {@code secret} (UTF-8). Call again to accept several, for example
         * the new and the previous secret while a webhook secret rotates.
         */
        public Builder secret(String secret) {
            Objects.requireNonNull(secret, "secret");
            return secret(secret.getBytes(StandardCharsets.UTF_8));
        }

        /** Accepts deliveries signed with these raw key bytes. */
        public Builder secret(byte[] secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.length == 0) {
                throw new IllegalArgumentException("webhook secret must not be empty");
            }
            secrets.add(secret.clone());
            return this;
        }

        /** How far the signed timestamp may be from now, either way; default 300 s. */
        public Builder tolerance(Duration tolerance) {
            Objects.requireNonNull(tolerance, "tolerance");
            if (tolerance.isNegative()) {
                throw new IllegalArgumentException("tolerance must not be negative, got " + tolerance);
            }
            this.tolerance = tolerance;
            return this;
        }

        /** The clock "now" is read from; for tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public WebhookVerifier build() {
            if (secrets.isEmpty()) {
                throw new IllegalStateException(
                        "a WebhookVerifier needs at least one secret (SCAIVAULT_WEBHOOK_SECRET)");
            }
            return new WebhookVerifier(this);
        }
    }
}
