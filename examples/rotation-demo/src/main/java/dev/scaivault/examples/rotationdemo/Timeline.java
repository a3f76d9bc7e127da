package dev.scaivault.examples.rotationdemo;

import dev.scaivault.source.Credentials;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Timestamps of every step a credential change goes through, from the delivery path's source to the first
 * login the pool makes with it, plus each connection's borrow and return and each physical close: the
 * evidence behind the demo's breakdown of propagation and drain. All times are microseconds since the
 * epoch, read from the same clock the library stamps its changes with ({@link Instant#now()}).
 */
final class Timeline {
    /** The credentials of one change, as the demo saw them pass. */
    static final class Step {
        final PathStats path;
        final String origin;
        /** Whether it is one of the path's rotations (not the first value, which switches paths). */
        final boolean counted;
        /** When the path's source accepted the value ({@code SecretChange.at()}). */
        final long sourceAt;
        /** When the demo's {@link PathSource} published it to the binding. */
        volatile long publishedAt;
        /** When the binding had set it on the pool and soft-evicted ({@code onRotation}). */
        volatile long appliedAt;
        /** The first successful login with it: start, end, and the thread that made it. */
        volatile long loginStart;

        volatile long loginEnd;
        volatile String loginThread;
        /** The binding's own propagation figure ({@code onNewCredentialsInUse}), in microseconds. */
        volatile long propagation = -1;
        /** The drain of the credentials this change retired ({@code onHandOff}), in microseconds. */
        volatile long drain = -1;

        Step(PathStats path, String origin, boolean counted, long sourceAt) {
            this.path = path;
            this.origin = origin;
            this.counted = counted;
            this.sourceAt = sourceAt;
        }

        synchronized void loggedIn(long start, long end, String thread) {
            if (loginEnd == 0) {
                loginStart = start;
                loginEnd = end;
                loginThread = thread;
            }
        }
    }

    /** A borrowed connection: from {@code getConnection()} returning to {@code close()} returning. */
    record Hold(long borrowed, long returned) {}

    /** A physical connection closed by the pool, with the change whose credentials it used (or null). */
    record Close(long at, Step credentials) {}

    private final Map<String, Step> byKey = new ConcurrentHashMap<>();
    private final Map<String, Step> byOrigin = new ConcurrentHashMap<>();
    private final Map<String, Step> byRetired = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Close> closes = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<List<Hold>> holds = new ConcurrentLinkedQueue<>();

    static long now() {
        return micros(Instant.now());
    }

    static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    /** Registers the credentials of a change before the pool can see them. */
    Step seen(Credentials c, PathStats path, boolean counted, Instant sourceAt) {
        Step s = new Step(path, c.origin(), counted, micros(sourceAt));
        byKey.put(key(c.username(), c.password()), s);
        byOrigin.put(c.origin(), s);
        return s;
    }

    /** The change whose credentials these are, or null (a role the demo does not follow). */
    Step of(String username, String password) {
        return username == null ? null : byKey.get(key(username, password));
    }

    Step ofOrigin(String origin) {
        return origin == null ? null : byOrigin.get(origin);
    }

    void applied(String previousOrigin, String origin, Instant at) {
        Step s = ofOrigin(origin);
        if (s != null) {
            s.appliedAt = micros(at);
            if (previousOrigin != null) {
                byRetired.put(previousOrigin, s);
            }
        }
    }

    /** The change that retired the credentials of {@code origin}, or null. */
    Step retiredBy(String origin) {
        return byRetired.get(origin);
    }

    void closed(Step credentials, long at) {
        closes.add(new Close(at, credentials));
    }

    /** A query thread's own list of holds, appended to by that thread only and read after it stopped. */
    List<Hold> holdsOfThread() {
        List<Hold> mine = new ArrayList<>();
        holds.add(mine);
        return mine;
    }

    /** The first physical close, at or after {@code from}, of a connection that did not use {@code s}. */
    long firstCloseOfOthers(Step s, long from) {
        long first = Long.MAX_VALUE;
        for (Close c : closes) {
            if (c.at() >= from && c.credentials() != s && c.at() < first) {
                first = c.at();
            }
        }
        return first == Long.MAX_VALUE ? -1 : first;
    }

    /**
     * For connections borrowed before {@code at} and still held then: when the first and the last of them
     * were returned ({@code {-1, -1}} when none was held). The last return bounds any drain that started at
     * {@code at}: a soft eviction never takes a connection from its borrower.
     */
    long[] returnsOfHeldAt(long at) {
        long first = Long.MAX_VALUE;
        long last = -1;
        for (List<Hold> list : holds) {
            for (Hold h : list) {
                if (h.borrowed() <= at && h.returned() > at) {
                    first = Math.min(first, h.returned());
                    last = Math.max(last, h.returned());
                }
            }
        }
        return last < 0 ? new long[] {-1, -1} : new long[] {first, last};
    }

    private static String key(String username, String password) {
        return username + '\u0000' + password;
    }
}
