package dev.scaivault.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A webhook delivery whose signature and timestamp checked out. Immutable. The event id and type come from
 * headers the signature does not cover: use them for routing and de-duplication, and read the authoritative
 * values from the (signed) body.
 */
public final class VerifiedWebhook {
    private final Instant timestamp;
    private final String eventId;
    private final String eventType;
    private final byte[] body;

    VerifiedWebhook(Instant timestamp, String eventId, String eventType, byte[] body) {
        this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
        this.eventId = eventId;
        this.eventType = eventType;
        this.body = body.clone();
    }

    /** When ScaiVault signed the delivery ({@code X-ScaiVault-Timestamp}). */
    public Instant timestamp() {
        return timestamp;
    }

    /** {@code X-ScaiVault-Event-Id} ({@code evt_...}), if sent. */
    public Optional<String> eventId() {
        return Optional.ofNullable(eventId);
    }

    /** {@code X-ScaiVault-Event-Type} (such as {@code secret.rotated}), if sent. */
    public Optional<String> eventType() {
        return Optional.ofNullable(eventType);
    }

    /** The verified raw body. */
    public byte[] body() {
        return body.clone();
    }

    /** The verified body as UTF-8 text (ScaiVault sends JSON). */
    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Shows ids and size only: an event body may describe secrets. */
    @Override
    public String toString() {
        return "VerifiedWebhook{eventId=" + eventId + ", eventType=" + eventType + ", timestamp=" + timestamp
                + ", bodyBytes=" + body.length + '}';
    }
}
