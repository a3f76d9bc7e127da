package dev.scaivault;

import java.time.Instant;
import java.util.Map;

/**
 * A ScaiVault event ({@code secret.rotated}, {@code secret.updated}, {@code lease.revoked}, ...). Event data
 * carries versions and names, not secret values.
 */
public record Event(String eventId, String eventType, Instant timestamp, String path, Map<String, Object> data) {
    public Event {
        // JSON nulls are legal in event data, and Map.copyOf would refuse them.
        data = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(data));
    }
}
