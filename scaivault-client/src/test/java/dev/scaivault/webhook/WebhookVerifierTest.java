package dev.scaivault.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.scaivault.webhook.WebhookVerificationException.Reason;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class WebhookVerifierTest {
    private static final String SECRET = "whsec-current-7c1d0e";
    private static final String PREVIOUS = "whsec-previous-99ab12";
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final byte[] BODY = ("{\"event_id\":\"evt_1\",\"event_type\":\"secret.rotated\","
                    + "\"path\":\"db/app\",\"data\":{\"old_version\":3,\"new_version\":4}}")
            .getBytes(StandardCharsets.UTF_8);

    private final WebhookVerifier verifier = WebhookVerifier.builder()
            .secret(SECRET)
            .secret(PREVIOUS)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();

    private static Map<String, String> headers(String secret, long ts, byte[] body) {
        Map<String, String> h = new HashMap<>();
        h.put("x-scaivault-signature", WebhookVerifier.signatureHeader(secret, ts, body));
        h.put("X-ScaiVault-Timestamp", Long.toString(ts));
        h.put("X-ScaiVault-Event-Id", "evt_1");
        h.put("X-ScaiVault-Event-Type", "secret.rotated");
        return h;
    }

    private static Reason reasonOf(Runnable r) {
        try {
            r.run();
        } catch (WebhookVerificationException e) {
            assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain(PREVIOUS);
            return e.reason();
        }
        throw new AssertionError("delivery was accepted");
    }

    @Test
    void validDeliveryIsAccepted() {
        VerifiedWebhook v = verifier.verify(headers(SECRET, NOW.getEpochSecond(), BODY), BODY);
        assertThat(v.eventId()).contains("evt_1");
        assertThat(v.eventType()).contains("secret.rotated");
        assertThat(v.timestamp()).isEqualTo(NOW);
        assertThat(v.body()).isEqualTo(BODY);
        assertThat(v.bodyAsString()).contains("secret.rotated");
        assertThat(v.toString()).doesNotContain("db/app");
    }

    @Test
    void signatureComputedAsDocumented() throws Exception {
        // HMAC-SHA256(secret, "<ts>.<body>") in hex, checked against the JDK directly.
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        byte[] expected = mac.doFinal(
                ("1764590400." + new String(BODY, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        assertThat(WebhookVerifier.signatureHeader(SECRET, 1764590400L, BODY))
                .isEqualTo("sha256=" + java.util.HexFormat.of().formatHex(expected));
    }

    @Test
    void previousSecretIsAcceptedDuringRotation() {
        assertThat(verifier.verify(headers(PREVIOUS, NOW.getEpochSecond(), BODY), BODY))
                .isNotNull();
    }

    @Test
    void headerFunctionWorksLikeAServletRequest() {
        Map<String, String> h = headers(SECRET, NOW.getEpochSecond(), BODY);
        Function<String, String> servletLike = name -> h.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        assertThat(verifier.verify(servletLike, BODY).eventId()).contains("evt_1");
    }

    @Test
    void badSignatureIsRejected() {
        assertThat(reasonOf(() -> verifier.verify(headers("whsec-attacker", NOW.getEpochSecond(), BODY), BODY)))
                .isEqualTo(Reason.BAD_SIGNATURE);
        byte[] tampered = new String(BODY, StandardCharsets.UTF_8)
                .replace("\"new_version\":4", "\"new_version\":5")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(reasonOf(() -> verifier.verify(headers(SECRET, NOW.getEpochSecond(), BODY), tampered)))
                .isEqualTo(Reason.BAD_SIGNATURE);
        // The timestamp is signed too: moving it breaks the signature.
        Map<String, String> h = headers(SECRET, NOW.getEpochSecond(), BODY);
        h.put("X-ScaiVault-Timestamp", Long.toString(NOW.getEpochSecond() + 1));
        assertThat(reasonOf(() -> verifier.verify(h, BODY))).isEqualTo(Reason.BAD_SIGNATURE);
    }

    @Test
    void reSerializedBodyIsRejected() {
        // Same JSON document, different bytes (a framework parsed and re-wrote it).
        byte[] reSerialized = ("{ \"event_id\": \"evt_1\", \"event_type\": \"secret.rotated\", "
                        + "\"path\": \"db/app\", \"data\": { \"old_version\": 3, \"new_version\": 4 } }")
                .getBytes(StandardCharsets.UTF_8);
        WebhookVerificationException e =
                catchVerification(() -> verifier.verify(headers(SECRET, NOW.getEpochSecond(), BODY), reSerialized));
        assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE);
        assertThat(e.getMessage()).contains("raw body");
    }

    @Test
    void staleAndFutureTimestampsAreRejected() {
        long ts = NOW.getEpochSecond();
        assertThat(verifier.verify(headers(SECRET, ts - 300, BODY), BODY)).isNotNull();
        assertThat(verifier.verify(headers(SECRET, ts + 300, BODY), BODY)).isNotNull();
        WebhookVerificationException e =
                catchVerification(() -> verifier.verify(headers(SECRET, ts - 301, BODY), BODY));
        assertThat(e.reason()).isEqualTo(Reason.STALE_TIMESTAMP);
        assertThat(e.getMessage()).contains("301 s").contains("300 s");
        assertThat(reasonOf(() -> verifier.verify(headers(SECRET, ts + 301, BODY), BODY)))
                .isEqualTo(Reason.STALE_TIMESTAMP);
    }

    @Test
    void toleranceIsConfigurable() {
        WebhookVerifier strict = WebhookVerifier.builder()
                .secret(SECRET)
                .tolerance(java.time.Duration.ofSeconds(30))
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
        assertThat(reasonOf(() -> strict.verify(headers(SECRET, NOW.getEpochSecond() - 31, BODY), BODY)))
                .isEqualTo(Reason.STALE_TIMESTAMP);
    }

    @Test
    void missingHeadersAreRejected() {
        Map<String, String> noSig = headers(SECRET, NOW.getEpochSecond(), BODY);
        noSig.remove("x-scaivault-signature");
        WebhookVerificationException e = catchVerification(() -> verifier.verify(noSig, BODY));
        assertThat(e.reason()).isEqualTo(Reason.MISSING_HEADER);
        assertThat(e.getMessage()).contains("X-ScaiVault-Signature");

        Map<String, String> noTs = headers(SECRET, NOW.getEpochSecond(), BODY);
        noTs.remove("X-ScaiVault-Timestamp");
        assertThat(catchVerification(() -> verifier.verify(noTs, BODY)).getMessage())
                .contains("X-ScaiVault-Timestamp");
        assertThat(reasonOf(() -> verifier.verify(Map.of(), BODY))).isEqualTo(Reason.MISSING_HEADER);
    }

    @Test
    void malformedHeadersAreRejected() {
        Map<String, String> h = headers(SECRET, NOW.getEpochSecond(), BODY);
        h.put("X-ScaiVault-Timestamp", "2026-12-01T12:00:00Z");
        assertThat(reasonOf(() -> verifier.verify(h, BODY))).isEqualTo(Reason.MALFORMED);

        Map<String, String> h2 = headers(SECRET, NOW.getEpochSecond(), BODY);
        h2.put("x-scaivault-signature", "md5=abc");
        assertThat(reasonOf(() -> verifier.verify(h2, BODY))).isEqualTo(Reason.MALFORMED);

        Map<String, String> h3 = headers(SECRET, NOW.getEpochSecond(), BODY);
        h3.put("x-scaivault-signature", "sha256=" + "zz".repeat(32));
        assertThat(reasonOf(() -> verifier.verify(h3, BODY))).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void severalSignaturesInOneHeaderAreTried() {
        long ts = NOW.getEpochSecond();
        Map<String, String> h = headers(SECRET, ts, BODY);
        h.put(
                "x-scaivault-signature",
                WebhookVerifier.signatureHeader("whsec-other", ts, BODY) + ", "
                        + WebhookVerifier.signatureHeader(PREVIOUS, ts, BODY));
        assertThat(verifier.verify(h, BODY)).isNotNull();
    }

    @Test
    void secretsNeverShowInMessagesOrToString() {
        assertThat(verifier.toString())
                .doesNotContain(SECRET)
                .doesNotContain(PREVIOUS)
                .contains("secrets=2");
        WebhookVerificationException e =
                catchVerification(() -> verifier.verify(headers("whsec-attacker", NOW.getEpochSecond(), BODY), BODY));
        String expectedSig = WebhookVerifier.signatureHeader(SECRET, NOW.getEpochSecond(), BODY);
        assertThat(e.getMessage()).doesNotContain(SECRET).doesNotContain(expectedSig.substring(7));
        assertThatThrownBy(() -> WebhookVerifier.builder().build()).hasMessageContaining("at least one secret");
        assertThatThrownBy(() -> WebhookVerifier.builder().secret("")).hasMessageContaining("empty");
    }

    private static WebhookVerificationException catchVerification(Runnable r) {
        try {
            r.run();
        } catch (WebhookVerificationException e) {
            return e;
        }
        throw new AssertionError("delivery was accepted");
    }
}
