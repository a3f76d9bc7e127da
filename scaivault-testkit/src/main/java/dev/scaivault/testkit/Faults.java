package dev.scaivault.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Fault injection for a {@link ScaiVaultDevServer}. A route is {@code "METHOD /path/glob"}: the method or
 * {@code *}, then a path glob where {@code *} is one segment and {@code **} any number, e.g. {@code "GET
 * /v1/secrets/**"}, {@code "POST /v1/auth/exchange"}, {@code "* /**"}. Thread-safe.
 */
public final class Faults {
    private record Route(String method, Glob path, String source) {
        boolean matches(String m, String p) {
            return (method.equals("*") || method.equals(m)) && path.matches(p);
        }
    }

    private record Latency(Route route, Duration delay) {}

    private record Scripted(Route route, Fault fault) {}

    /** A fault every matching request gets until {@code untilNanos} on {@link #nanoTime}. */
    private record Standing(Route route, Fault fault, long untilNanos) {}

    private final List<Latency> latencies = new CopyOnWriteArrayList<>();
    private final List<Scripted> scripted = new ArrayList<>();
    private final List<Standing> standing = new CopyOnWriteArrayList<>();
    private final LongSupplier nanoTime;

    Faults() {
        this(System::nanoTime);
    }

    /** {@code nanoTime}: the wall time standing faults end on; tests pass a manual one. */
    Faults(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Delays every matching request by {@code delay} until {@link #clear()}; several matching rules add up. */
    public Faults latency(String route, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative: " + delay);
        }
        latencies.add(new Latency(parse(route), delay));
        return this;
    }

    /**
     * Scripts one fault per matching request, in order; once they are used up the route behaves normally
     * again. Faults scripted by several calls are used in the order of the calls.
     */
    public Faults enqueue(String route, Fault... faults) {
        Route r = parse(route);
        synchronized (scripted) {
            for (Fault f : faults) {
                scripted.add(new Scripted(r, Objects.requireNonNull(f, "fault")));
            }
        }
        return this;
    }

    /**
     * Every matching request gets {@code fault} for the next {@code duration} (wall time, like {@link
     * #latency}), then the route behaves normally again: a 503 or 429 storm ({@link Fault#error}, {@link
     * Fault#rateLimited}) or slow answers ({@link Fault#delay}) for a while. Faults scripted with {@link
     * #enqueue} are used first; of several standing faults on a route the earliest added applies.
     */
    public Faults during(String route, Duration duration, Fault fault) {
        Objects.requireNonNull(fault, "fault");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("a standing fault needs a positive duration, got " + duration);
        }
        standing.add(new Standing(parse(route), fault, nanoTime.getAsLong() + duration.toNanos()));
        return this;
    }

    /** Removes every latency rule, every standing fault and every fault not used yet. */
    public Faults clear() {
        latencies.clear();
        standing.clear();
        synchronized (scripted) {
            scripted.clear();
        }
        return this;
    }

    /** How many scripted faults are still waiting for a request. */
    public int pending() {
        synchronized (scripted) {
            return scripted.size();
        }
    }

    Duration latencyFor(String method, String path) {
        Duration total = Duration.ZERO;
        for (Latency l : latencies) {
            if (l.route.matches(method, path)) {
                total = total.plus(l.delay);
            }
        }
        return total;
    }

    Fault next(String method, String path) {
        synchronized (scripted) {
            for (Iterator<Scripted> it = scripted.iterator(); it.hasNext(); ) {
                Scripted s = it.next();
                if (s.route.matches(method, path)) {
                    it.remove();
                    return s.fault;
                }
            }
        }
        long now = nanoTime.getAsLong();
        for (Standing s : standing) {
            if (now - s.untilNanos >= 0) {
                standing.remove(s);
            } else if (s.route.matches(method, path)) {
                return s.fault;
            }
        }
        return null;
    }

    private static Route parse(String route) {
        Objects.requireNonNull(route, "route");
        String[] parts = route.trim().split("\\s+");
        if (parts.length != 2 || !parts[1].startsWith("/")) {
            throw new IllegalArgumentException(
                    "a fault route is \"METHOD /path/glob\" (e.g. \"GET /v1/secrets/**\"), got: " + route);
        }
        return new Route(parts[0].toUpperCase(Locale.ROOT), Glob.compile(parts[1]), route);
    }
}
