package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The event stream: every event goes to each matching subscription's buffer at the moment it is published. */
final class Events {
    record Event(String id, long seq, String type, String path, Instant timestamp, ObjectNode envelope) {}

    private final Clock clock;
    private final String tenantId;
    private final Map<String, Subscription> subscriptions = new ConcurrentHashMap<>();
    /** event id -> sequence number of its first publication; the cursor for since_event_id. */
    private final Map<String, Long> firstSeq = new ConcurrentHashMap<>();

    private final List<Event> published = new ArrayList<>();
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
        published.add(e);
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
        Event last = published.get(published.size() - 1);
        Event again = new Event(last.id(), ++seq, last.type(), last.path(), last.timestamp(), last.envelope());
        published.add(again);
        for (Subscription s : subscriptions.values()) {
            s.offer(again);
        }
        return again;
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
    long cursor(String eventId) {
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
