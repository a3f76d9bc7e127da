package dev.scaivault;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * ScaiVault's polling subscriptions: create one for path globs ({@code *} one segment, {@code **} any, {@code
 * ?} one character) and event types, long-poll it, acknowledge what was handled. Un-acknowledged events are
 * delivered again, so a consumer must tolerate duplicates (de-duplicate by {@link Event#eventId()}).
 */
public final class Events {
    /** The longest long-poll ScaiVault accepts. */
    public static final Duration MAX_POLL_TIMEOUT = Duration.ofSeconds(60);

    private final Http http;

    Events(Http http) {
        this.http = http;
    }

    /** Creates a subscription to the events of {@code eventTypes} on paths matching {@code pathGlobs}. */
    public EventSubscription subscribe(String name, List<String> pathGlobs, List<String> eventTypes) {
        String what = "create subscription " + name;
        // Creating twice leaves a spare subscription behind, not a wrong result: safe to retry.
        Http.Call call =
                Http.Call.post(Protocol.SUBSCRIPTIONS, Protocol.subscribeBody(name, pathGlobs, eventTypes), true, what);
        return Protocol.subscription(Protocol.parse(http.execute(call).body(), what));
    }

    /**
     * Waits up to {@code timeout} (at most 60 s) for events after {@code sinceEventId} (null: from the oldest
     * un-acknowledged one).
     */
    public EventBatch poll(String subscriptionId, String sinceEventId, Duration timeout, int maxEvents) {
        return poll(subscriptionId, sinceEventId, timeout, maxEvents, c -> {}, false);
    }

    /**
     * For a poll loop with a back-off of its own: the call is made once (retrying here too would multiply
     * the loop's retries), and {@code onCall} receives a way to stop the poll in flight (on close, say).
     */
    public EventBatch pollOnce(
            String subscriptionId, String sinceEventId, Duration timeout, int maxEvents, Consumer<Runnable> onCall) {
        return poll(subscriptionId, sinceEventId, timeout, maxEvents, onCall, true);
    }

    private EventBatch poll(
            String subscriptionId,
            String sinceEventId,
            Duration timeout,
            int maxEvents,
            Consumer<Runnable> onCall,
            boolean once) {
        if (timeout.isNegative() || timeout.compareTo(MAX_POLL_TIMEOUT) > 0) {
            throw new IllegalArgumentException("poll timeout must be between 0 and 60 s, not " + timeout);
        }
        if (maxEvents < 1 || maxEvents > 100) {
            throw new IllegalArgumentException("maxEvents must be between 1 and 100, not " + maxEvents);
        }
        Map<String, String> q = new LinkedHashMap<>();
        q.put("timeout", Long.toString(timeout.toSeconds()));
        q.put("max_events", Integer.toString(maxEvents));
        if (sinceEventId != null) {
            q.put("since_event_id", sinceEventId);
        }
        String what = "poll subscription " + subscriptionId;
        Http.Call call = Http.Call.get(Protocol.subscriptionPoll(subscriptionId), what)
                .query(q)
                .longPoll(timeout);
        if (once) {
            call = call.singleAttempt();
        }
        return Protocol.events(Protocol.parse(http.execute(call, onCall).body(), what));
    }

    /** Acknowledges delivered events, so the server does not deliver them again. */
    public void ack(String subscriptionId, List<String> eventIds) {
        if (eventIds.isEmpty()) {
            return;
        }
        String what = "ack " + eventIds.size() + " events of subscription " + subscriptionId;
        http.execute(Http.Call.post(Protocol.subscriptionAck(subscriptionId), Protocol.ackBody(eventIds), true, what));
    }
}
