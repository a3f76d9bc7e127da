package dev.scaivault.pool.load;

import static org.awaitility.Awaitility.await;

import dev.scaivault.Time;
import dev.scaivault.pool.RotationListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The acceptance load, for any credential source: {@code threads} workers query continuously through the
 * pool, each holding its connection 0 to {@code maxHold} (random), while {@code rotations} rotations run one
 * after another. A rotation is whatever the scenario does to change the credentials (ALTER ROLE then
 * publish later, a new lease, a rotated secret on the server); the harness times it from the moment the
 * {@link Rotation} starts until the binding reports the hand-off of the previous credentials, then pauses a
 * little so the report also has a quiet baseline.
 *
 * <p>Use: {@code var load = RotationLoad.builder().pool("tomcat-jdbc", version).build();} pass {@code
 * load.listener()} to the binding's builder, then {@code load.run(scenario, pool, i -> ...)} and assert on the
 * report. Shared by every adapter module's tests (this module's test-jar), so each pool is measured alike.
 */
public final class RotationLoad {
    /** One rotation; may return before the pool has rotated (the harness waits for the hand-off). */
    @FunctionalInterface
    public interface Rotation {
        void rotate(int index) throws Exception;
    }

    private final int threads;
    private final Duration maxHold;
    private final int rotations;
    private final Duration maxPause;
    private final Duration handOffTimeout;
    private final boolean awaitHandOff;
    private final String query;
    private final String pool;
    private final String version;

    private final AtomicInteger handOffs = new AtomicInteger();
    private final ConcurrentLinkedQueue<Long> propagationNanos = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> drainNanos = new ConcurrentLinkedQueue<>();
    private final AtomicLong bridged = new AtomicLong();
    private final AtomicLong handOffTimeouts = new AtomicLong();

    private RotationLoad(Builder b) {
        this.threads = b.threads;
        this.maxHold = b.maxHold;
        this.rotations = b.rotations;
        this.maxPause = b.maxPause;
        this.handOffTimeout = b.handOffTimeout;
        this.awaitHandOff = b.awaitHandOff;
        this.query = b.query;
        this.pool = b.pool;
        this.version = b.version;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Pass to the binding's builder: the report's propagation and drain times. */
    public RotationListener listener() {
        return new RotationListener() {
            @Override
            public void onNewCredentialsInUse(String origin, Duration sinceSourceChange) {
                propagationNanos.add(sinceSourceChange.toNanos());
            }

            @Override
            public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
                drainNanos.add(drainTime.toNanos());
                if (timedOut) {
                    handOffTimeouts.incrementAndGet();
                }
                handOffs.incrementAndGet();
            }

            @Override
            public void onAuthFailureBridged(String failure, boolean recovered) {
                bridged.incrementAndGet();
            }
        };
    }

    public Report run(String scenario, DataSource pool, Rotation rotation) throws Exception {
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        AtomicLong done = new AtomicLong();
        var stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<Thread> workers = new ArrayList<>();
        var factory = Time.daemons("scaivault-test-load");
        for (int t = 0; t < threads; t++) {
            Thread w = factory.newThread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long start = System.nanoTime();
                    long end;
                    try (Connection c = pool.getConnection();
                            Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery(query)) {
                        rs.next();
                        end = System.nanoTime();
                        long hold = rnd.nextLong(maxHold.toNanos() + 1);
                        TimeUnit.NANOSECONDS.sleep(hold);
                    } catch (SQLException | RuntimeException e) {
                        end = System.nanoTime();
                        failed.incrementAndGet();
                        if (failures.size() < 5) {
                            failures.add(e.getClass().getSimpleName() + " "
                                    + (e instanceof SQLException s ? s.getSQLState() : "") + ": " + e.getMessage());
                        }
                    } catch (InterruptedException e) {
                        return;
                    }
                    samples.add(new long[] {start, end});
                    done.incrementAndGet();
                }
            });
            workers.add(w);
            w.start();
        }
        long[][] windows = new long[rotations][];
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= threads);
            for (int i = 0; i < rotations; i++) {
                long start = System.nanoTime();
                rotation.rotate(i);
                int expected = i + 1;
                if (awaitHandOff) {
                    await().atMost(handOffTimeout).until(() -> handOffs.get() >= expected);
                }
                windows[i] = new long[] {start, System.nanoTime()};
                TimeUnit.NANOSECONDS.sleep(ThreadLocalRandom.current().nextLong(maxPause.toNanos() + 1));
            }
        } finally {
            stop.set(true);
            for (Thread w : workers) {
                w.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        List<Long> during = new ArrayList<>();
        List<Long> outside = new ArrayList<>();
        for (long[] s : samples) {
            (overlaps(s, windows) ? during : outside).add(s[1] - s[0]);
        }
        return new Report(
                scenario,
                this.pool,
                version,
                rotations,
                samples.size(),
                failed.get(),
                List.copyOf(failures),
                Stats.of(outside),
                Stats.of(during),
                Stats.of(new ArrayList<>(propagationNanos)),
                Stats.of(new ArrayList<>(drainNanos)),
                bridged.get(),
                handOffTimeouts.get());
    }

    private static boolean overlaps(long[] s, long[][] windows) {
        for (long[] w : windows) {
            if (w != null && s[0] <= w[1] && s[1] >= w[0]) {
                return true;
            }
        }
        return false;
    }

    public record Stats(int n, double p50Ms, double p99Ms, double maxMs) {
        static Stats of(List<Long> nanos) {
            if (nanos.isEmpty()) {
                return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
            }
            List<Long> sorted = new ArrayList<>(nanos);
            Collections.sort(sorted);
            return new Stats(
                    sorted.size(), ms(pick(sorted, 0.50)), ms(pick(sorted, 0.99)), ms(sorted.get(sorted.size() - 1)));
        }

        private static long pick(List<Long> sorted, double q) {
            int i = (int) Math.ceil(q * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }

        private static double ms(long nanos) {
            return nanos / 1_000_000.0;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "n=%d p50=%.2fms p99=%.2fms max=%.2fms", n, p50Ms, p99Ms, maxMs);
        }
    }

    public record Report(
            String scenario,
            String pool,
            String poolVersion,
            int rotations,
            long queries,
            long failedQueries,
            List<String> firstFailures,
            Stats outside,
            Stats during,
            Stats propagation,
            Stats drain,
            long bridgedAuthFailures,
            long handOffTimeouts) {

        /** Prints the report and keeps a copy in {@code target/rotation-reports}. */
        public Report print() {
            String text = toString();
            System.out.println(text);
            try {
                Path dir = Path.of("target", "rotation-reports");
                Files.createDirectories(dir);
                String file = pool + "-" + poolVersion + "-" + scenario.replaceAll("[^A-Za-z0-9._-]+", "_") + ".txt";
                Files.writeString(dir.resolve(file), text + System.lineSeparator(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        @Override
        public String toString() {
            return String.join(
                    System.lineSeparator(),
                    "=== rotation report: " + scenario + " (" + pool + " " + poolVersion + ", " + Instant.now() + ")",
                    "rotations=" + rotations + " queries=" + queries + " failed=" + failedQueries
                            + (firstFailures.isEmpty() ? "" : " first failures=" + firstFailures),
                    "query latency outside rotations: " + outside,
                    "query latency during rotations:  " + during,
                    "propagation (source change -> first connection with new credentials): " + propagation,
                    "drain (retirement -> hand-off): " + drain,
                    "bridged authentication failures: " + bridgedAuthFailures + ", hand-off timeouts: "
                            + handOffTimeouts);
        }
    }

    public static final class Builder {
        private int threads = 8;
        private Duration maxHold = Duration.ofMillis(20);
        private int rotations = 50;
        private Duration maxPause = Duration.ofMillis(100);
        private Duration handOffTimeout = Duration.ofSeconds(30);
        private boolean awaitHandOff = true;
        private String query = "SELECT 1";
        private String pool = "pool";
        private String version = "?";

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder maxHold(Duration maxHold) {
            this.maxHold = maxHold;
            return this;
        }

        public Builder rotations(int rotations) {
            this.rotations = rotations;
            return this;
        }

        /** Quiet time after each rotation (random up to this), for the baseline latency. */
        public Builder maxPause(Duration maxPause) {
            this.maxPause = maxPause;
            return this;
        }

        public Builder handOffTimeout(Duration handOffTimeout) {
            this.handOffTimeout = handOffTimeout;
            return this;
        }

        /** False when no binding reports hand-offs (a hand-written recipe): each rotation ends on return. */
        public Builder awaitHandOff(boolean awaitHandOff) {
            this.awaitHandOff = awaitHandOff;
            return this;
        }

        public Builder query(String query) {
            this.query = query;
            return this;
        }

        /** What the report names: the pool ({@code "hikari"}, {@code "tomcat-jdbc"}) and its version. */
        public Builder pool(String pool, String version) {
            this.pool = pool;
            this.version = version;
            return this;
        }

        public RotationLoad build() {
            return new RotationLoad(this);
        }
    }
}
