package dev.scaivault.peers;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * N query threads, each looping: {@code getConnection()} (timed), {@code SELECT 1}, hold the connection 0-4 ms
 * as a request would, close. Every {@code getConnection()} start and duration is kept to split steady state
 * from rotation windows afterwards.
 */
final class Load {
    private final DataSource ds;
    private final List<Thread> threads = new ArrayList<>();
    private final List<long[][]> samples = new ArrayList<>();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Map<String, Long> failures = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    Load(DataSource ds, int threadCount) {
        this.ds = ds;
        for (int i = 0; i < threadCount; i++) {
            long[][] mine = new long[][] {new long[1 << 16], new long[1 << 16], new long[1]};
            samples.add(mine);
            Thread t = new Thread(() -> loop(mine), "peers-load-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    private void loop(long[][] mine) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (running) {
            long start = System.nanoTime();
            try (Connection c = ds.getConnection()) {
                record(mine, start, System.nanoTime() - start);
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                }
                Thread.sleep(random.nextInt(5));
                ok.incrementAndGet();
            } catch (SQLException e) {
                failed.incrementAndGet();
                // SQLSTATE and class only: a driver message may name the user, never print a password.
                failures.merge(e.getClass().getSimpleName() + " SQLSTATE " + e.getSQLState(), 1L, Long::sum);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void record(long[][] mine, long start, long nanos) {
        int n = (int) mine[2][0];
        if (n == mine[0].length) {
            mine[0] = Arrays.copyOf(mine[0], n * 2);
            mine[1] = Arrays.copyOf(mine[1], n * 2);
        }
        mine[0][n] = start;
        mine[1][n] = nanos;
        mine[2][0] = n + 1;
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(10_000);
        }
    }

    long ok() {
        return ok.get();
    }

    long failed() {
        return failed.get();
    }

    Map<String, Long> failures() {
        return Map.copyOf(failures);
    }

    /** getConnection() durations (ns) whose start falls in a window [w, w + length) or outside every window. */
    long[] durations(long[] windowStarts, long windowNanos, boolean inWindow) {
        long[] out = new long[1024];
        int n = 0;
        for (long[][] s : samples) {
            int count = (int) s[2][0];
            for (int i = 0; i < count; i++) {
                boolean in = false;
                for (long w : windowStarts) {
                    if (s[0][i] >= w && s[0][i] < w + windowNanos) {
                        in = true;
                        break;
                    }
                }
                if (in == inWindow) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = s[1][i];
                }
            }
        }
        long[] r = Arrays.copyOf(out, n);
        Arrays.sort(r);
        return r;
    }

    static double percentileMs(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
