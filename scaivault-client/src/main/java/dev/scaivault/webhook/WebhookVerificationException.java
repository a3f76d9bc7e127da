package dev.scaivault.webhook;

import dev.scaivault.ScaiVaultException;
import java.util.Objects;

/**
 * A webhook delivery failed verification. The message names the header and what was wrong with it, never
 * a secret or the signature that would have been right.
 */
public class WebhookVerificationException extends ScaiVaultException {
    private static final long serialVersionUID = 1L;

    /** Why a delivery was rejected. */
    public enum Reason {
        /** {@code X-ScaiVault-Signature} or {@code X-ScaiVault-Timestamp} is absent or empty. */
        MISSING_HEADER,
        /** No accepted secret produces the signature (tampered body, wrong secret, re-serialized JSON). */
        BAD_SIGNATURE,
        /** Authentic, but signed too long ago (or too far in the future): a replay or a badly skewed clock. */
        STALE_TIMESTAMP,
        /** A header is present but not in the expected form. */
        MALFORMED
    }

    private final Reason reason;

    public WebhookVerificationException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
