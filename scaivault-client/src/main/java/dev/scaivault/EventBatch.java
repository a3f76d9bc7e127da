package dev.scaivault;

import java.util.List;

/** What one long poll returned; {@code hasMore} says that more events are waiting. */
public record EventBatch(List<Event> events, boolean hasMore) {
    public EventBatch {
        events = List.copyOf(events);
    }
}
