package dev.scaivault.pool;

import dev.scaivault.source.Credentials;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The physical connections the pool opened through the binding, with the credentials each was opened
 * with, until the pool closes them. {@code isClosed()} on a physical connection is a local check in the
 * drivers we know (no round trip), so polling it costs the pool nothing.
 */
final class ConnectionTracker {
    private static final int PRUNE_ABOVE = 64;

    private final Map<Connection, Opened> open = new IdentityHashMap<>();
    // Logins under way: a connection being opened with retiring credentials must hold their hand-off too.
    private final List<Credentials> opening = new ArrayList<>();

    record Opened(Credentials credentials, long nanos, Instant at) {}

    synchronized void opened(Connection c, Credentials credentials, long nanos, Instant at) {
        if (open.size() >= PRUNE_ABOVE) {
            pruneClosed();
        }
        open.put(c, new Opened(credentials, nanos, at));
    }

    synchronized void opening(Credentials c) {
        opening.add(c);
    }

    synchronized void openingDone(Credentials c) {
        opening.remove(c);
    }

    /** Open connections, and logins under way, whose credentials match {@code which}. */
    synchronized int count(Predicate<Credentials> which) {
        pruneClosed();
        int n = 0;
        for (Opened o : open.values()) {
            if (which.test(o.credentials())) {
                n++;
            }
        }
        for (Credentials c : opening) {
            if (which.test(c)) {
                n++;
            }
        }
        return n;
    }

    /** When the first still-open connection with credentials {@code c} was opened. */
    synchronized Optional<Instant> firstOpenedWith(Credentials c) {
        pruneClosed();
        Instant first = null;
        for (Opened o : open.values()) {
            if (o.credentials().sameSecretAs(c) && (first == null || o.at().isBefore(first))) {
                first = o.at();
            }
        }
        return Optional.ofNullable(first);
    }

    /**
     * Whether a connection with retired credentials was opened too late to be sure the last retirement saw
     * it: the pool adds a new connection to its own just after the data source returns it, so one opened
     * around the retirement may have been missed. {@code settleNanos} is how long that add surely takes.
     */
    synchronized boolean missedEviction(
            Predicate<Credentials> retired, long lastEvictNanos, long nowNanos, long settleNanos) {
        pruneClosed();
        for (Opened o : open.values()) {
            if (retired.test(o.credentials())
                    && lastEvictNanos - o.nanos() < settleNanos
                    && nowNanos - o.nanos() >= settleNanos) {
                return true;
            }
        }
        return false;
    }

    private void pruneClosed() {
        for (Iterator<Connection> it = open.keySet().iterator(); it.hasNext(); ) {
            if (isClosed(it.next())) {
                it.remove();
            }
        }
    }

    private static boolean isClosed(Connection c) {
        try {
            return c.isClosed();
        } catch (SQLException | RuntimeException e) {
            return true;
        }
    }
}
