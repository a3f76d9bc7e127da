package dev.scaivault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What the fuzz tests found, pinned as readable cases: each used to escape as a non-ScaiVault exception. */
class ProtocolHostileInputTest {
    private static final java.util.function.UnaryOperator<String> SCRUB =
            t -> new Redactor().scrub(t, java.util.List.of());

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    private static com.fasterxml.jackson.databind.JsonNode json(String s) {
        return Protocol.parse(s.getBytes(StandardCharsets.UTF_8), "test");
    }

    @Test
    void aHugeRetryAfterIsCappedInsteadOfOverflowing() {
        // Was ArithmeticException (long overflow) in Duration.toMillis while building the message.
        ScaiVaultApiException e =
                Protocol.error("read secret a/b", 429, new byte[0], null, "30855893689805191", NOW, SCRUB);
        assertThat(e.retryAfter()).contains(Protocol.MAX_RETRY_AFTER);
        assertThat(e.getMessage()).contains("retry after 86400000 ms");
        assertThat(Protocol.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT", NOW)).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void aBatchEntryThatIsNotAnObjectIsAScaiVaultException() {
        // Was ClassCastException (IntNode to ObjectNode).
        assertThatThrownBy(() -> Protocol.batch(json("{\"secrets\":{\"a/b\":1}}"), SCRUB))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("batch: the entry for a/b is not a secret object");
    }

    @Test
    void timestampsBeyondTheInstantRangeAreIgnoredLikeUnparsableOnes() {
        // Was DateTimeException from Instant.ofEpochSecond.
        Secret s = Protocol.secret(json("{\"data\":{\"k\":\"v\"},\"created_at\":9223372036854775807}"), "a/b");
        assertThat(s.createdAt()).isEmpty();
    }

    @Test
    void aLeaseDurationBeyondTheInstantRangeIsAScaiVaultException() {
        // Was DateTimeException from Instant.plusSeconds.
        assertThatThrownBy(() -> Protocol.lease(
                        json("{\"lease_id\":\"lse_1\",\"lease_duration\":9223372036854775807}"), NOW, "pg", "app"))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("lease lse_1: lease_duration 9223372036854775807 s is out of range");
    }

    @Test
    void anExpiresInBeyondTheInstantRangeIsAScaiVaultException() {
        assertThatThrownBy(() -> Protocol.issuedToken(
                        json("{\"access_token\":\"t\",\"expires_in\":9223372036854775807}"),
                        NOW,
                        null,
                        "token exchange"))
                .isExactlyInstanceOf(ScaiVaultException.class)
                .hasMessage("token exchange: expires_in 9223372036854775807 s is out of range");
    }
}
