package dev.scaivault.testkit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A polling subscription. Its buffer holds every matching event that has not been acknowledged (oldest
 * dropped beyond {@code buffer_size}). A poll returns the buffered events after its cursor ({@code
 * since_event_id}; without one, all of them), so an event delivered but never acknowledged comes again on
 * every poll whose cursor is not past it.
 */
final class Subscription {
    record Poll(List<Events.Event> events, boolean hasMore) {}

    final String id;
    final String name;
    final String identityId;
    final List<String> pathGlobs;
    final List<String> eventTypes;
    final int bufferSize;
    final Instant createdAt;
    private final List<Glob> paths;
    private final List<Pattern> types;
    private final ArrayDeque<Events.Event> buffer = new ArrayDeque<>();
    private boolean closed;

    Subscription(
            String name,
            String identityId,
            List<String> pathGlobs,
            List<String> eventTypes,
            int bufferSize,
            Instant createdAt) {
        this.id = "sub_" + Ids.hex(20);
        this.name = name;
        this.identityId = identityId;
        this.pathGlobs = List.copyOf(pathGlobs);
        this.eventTypes = List.copyOf(eventTypes);
        this.bufferSize = bufferSize;
        this.createdAt = createdAt;
        List<Glob> p = new ArrayList<>();
        for (String g : pathGlobs) {
            p.add(Glob.compile(g));
        }
        this.paths = p;
        List<Pattern> t = new ArrayList<>();
        for (String e : eventTypes) {
            t.add(Pattern.compile(Pattern.quote(e).replace("*", "\\E.*\\Q")));
        }
        this.types = t;
    }

    boolean matches(Events.Event e) {
        boolean typeOk = types.isEmpty()
                || types.stream().anyMatch(p -> p.matcher(e.type()).matches());
        boolean pathOk = paths.isEmpty() || (e.path() != null && paths.stream().anyMatch(g -> g.matches(e.path())));
        return typeOk && pathOk;
    }

    synchronized void offer(Events.Event e) {
        if (closed || !matches(e)) {
            return;
        }
        buffer.addLast(e);
        while (buffer.size() > bufferSize) {
            buffer.removeFirst();
        }
        notifyAll();
    }

    /** Waits up to {@code timeoutMillis} (real time) for an event after {@code afterSeq}. */
    synchronized Poll poll(long afterSeq, int maxEvents, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            List<Events.Event> out = new ArrayList<>();
            boolean more = false;
            for (Events.Event e : buffer) {
                if (e.seq() > afterSeq) {
                    if (out.size() == maxEvents) {
                        more = true;
                        break;
                    }
                    out.add(e);
                }
            }
            long left = deadline - System.nanoTime();
            if (!out.isEmpty() || left <= 0 || closed) {
                return new Poll(out, more);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    synchronized int ack(Collection<String> eventIds) {
        int n = 0;
        for (Iterator<Events.Event> it = buffer.iterator(); it.hasNext(); ) {
            if (eventIds.contains(it.next().id())) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    ObjectNode toJson() {
        ObjectNode o = Json.obj();
        o.put("id", id);
        o.put("name", name);
        o.put("status", "active");
        o.put("identity_id", identityId);
        pathGlobs.forEach(o.putArray("paths")::add);
        eventTypes.forEach(o.putArray("events")::add);
        o.putObject("delivery").put("type", "polling").put("buffer_size", bufferSize);
        o.put("created_at", Json.time(createdAt));
        return o;
    }
}
