package dev.scaivault.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.scaivault.testkit.leak.LeakCheck;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile webhook deliveries: the verifier throws nothing but {@link WebhookVerificationException} (with a
 * reason, never quoting a secret), and accepts only a signature made with an accepted secret. The default
 * build replays the seeds in {@code WebhookVerifierFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes.
 */
class WebhookVerifierFuzzTest {
    private static final String SECRET = "whsec_fuzz_secret_never_in_a_message_31c7";
    private static final String OLD_SECRET = "whsec_fuzz_previous_secret_e02b";
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final WebhookVerifier VERIFIER = WebhookVerifier.builder()
            .secret(SECRET)
            .secret(OLD_SECRET)
            .clock(Clock.fixed(NOW, ZoneOffset.UTC))
            .build();

    @Timeout(10)
    @FuzzTest(maxDuration = "30s")
    void verify(FuzzedDataProvider data) {
        LeakCheck.secret(SECRET, OLD_SECRET);
        boolean signCorrectly = data.consumeBoolean();
        long offset = data.consumeLong(-1_000_000, 1_000_000);
        String timestamp =
                data.consumeBoolean() ? Long.toString(NOW.getEpochSecond() + offset) : data.consumeString(24);
        String eventId = data.consumeBoolean() ? data.consumeString(40) : null;
        String forged = data.consumeString(200);
        byte[] body = data.consumeRemainingAsBytes();

        String signature = forged;
        // A signature can only be made for what parses as a long (the verifier itself takes up to 12 digits).
        if (signCorrectly && timestamp.matches("[0-9]{1,18}")) {
            signature = WebhookVerifier.signatureHeader(SECRET, Long.parseLong(timestamp), body);
        }
        // What the sender puts in a header or the body is its own business; only text of ours must not leak.
        String sent = forged + timestamp + eventId + new String(body, StandardCharsets.UTF_8);
        boolean senderQuotesASecret = sent.contains(SECRET) || sent.contains(OLD_SECRET);
        Map<String, String> headers = new HashMap<>();
        headers.put("x-scaivault-signature", signature);
        headers.put(WebhookVerifier.TIMESTAMP_HEADER, timestamp);
        if (eventId != null) {
            headers.put(WebhookVerifier.EVENT_ID_HEADER, eventId);
        }
        try {
            VerifiedWebhook w = VERIFIER.verify(headers, body);
            assertThat(signature)
                    .as("only a real signature verifies")
                    .isNotEqualTo(forged)
                    .startsWith("sha256=");
            assertThat(w.body()).isEqualTo(body);
            assertThat(Math.abs(w.timestamp().getEpochSecond() - NOW.getEpochSecond()))
                    .isLessThanOrEqualTo(300);
            if (!senderQuotesASecret) {
                LeakCheck.assertNoSecretIn(w);
            }
        } catch (WebhookVerificationException e) {
            assertThat(e.reason()).isNotNull();
            assertThat(e.getMessage()).isNotBlank().hasSizeLessThan(500);
            if (!senderQuotesASecret) {
                LeakCheck.assertNoSecretIn(e);
            }
        }
    }
}
