package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The event stream: every event goes to each matching subscription's buffer at the moment it is published. */
final class Events {
    record Event(String id, long seq, String type, String path, Instant timestamp, ObjectNode envelope) {}

    private final Clock clock;
    private final String tenantId;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** Bounds the history a long-running standalone server keeps; a cursor older than that is invalid_cursor. */
    static final int HISTORY = 100_000;

    /** event id -> sequence number of its first publication; the cursor for since_event_id. Guarded by this. */
    private final Map<String, Long> firstSeq = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > HISTORY;
        }
    };

    private final java.util.ArrayDeque<Event> published = new java.util.ArrayDeque<>();
    private long seq;

    Events(Clock clock, String tenantId) {
        this.clock = clock;
        this.tenantId = tenantId;
    }

    synchronized Event publish(String type, String path, String identityId, String requestId, ObjectNode data) {
        Instant now = clock.instant();
        String id = "evt_" + Ids.hex(24);
        ObjectNode env = Json.obj();
        env.put("event_id", id);
        env.put("event_type", type);
        env.put("timestamp", Json.time(now));
        env.put("tenant_id", tenantId);
        env.putNull("partner_id");
        env.put("identity_id", identityId);
        env.put("path", path);
        env.set("data", data);
        env.put("request_id", requestId);
        Event e = new Event(id, ++seq, type, path, now, env);
        firstSeq.put(id, e.seq());
        remember(e);
        for (Subscription s : subscriptions.values()) {
            s.offer(e);
        }
        return e;
    }

    /** Delivers the last event again (same event id, new position in the buffers), as an at-least-once bus may. */
    synchronized Event duplicateLast() {
        if (published.isEmpty()) {
            throw new IllegalStateException("no event has been published yet");
        }
        Event last = published.getLast();
        Event again = new Event(last.id(), ++seq, last.type(), last.path(), last.timestamp(), last.envelope());
        remember(again);
        for (Subscription s : subscriptions.values()) {
            s.offer(again);
        }
        return again;
    }

    private void remember(Event e) {
        published.addLast(e);
        if (published.size() > HISTORY) {
            published.removeFirst();
        }
    }

    synchronized List<Event> published() {
        return List.copyOf(published);
    }

    Subscription add(Subscription s) {
        subscriptions.put(s.id, s);
        return s;
    }

    Subscription get(String id) {
        Subscription s = subscriptions.get(id);
        if (s == null) {
            throw ApiError.notFound("subscription_not_found", "no subscription " + id);
        }
        return s;
    }

    void remove(String id) {
        Subscription s = subscriptions.remove(get(id).id);
        s.close();
    }

    /** The cursor of {@code since_event_id}; 400 {@code invalid_cursor} for an id this server never published. */
    synchronized long cursor(String eventId) {
        Long s = firstSeq.get(eventId);
        if (s == null) {
            throw ApiError.badRequest(
                    "invalid_cursor", "since_event_id " + eventId + " is not an event of this server");
        }
        return s;
    }

    void close() {
        for (Subscription s : subscriptions.values()) {
            s.close();
        }
    }
}
