package dev.scaivault.examples.rotationdemo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's figures: per path, propagation as the same-run baseline (a bare login) plus the excess, drain
 * as what bounds it (the borrowers' hold) plus the excess, and where the propagation time goes, step by step.
 * Printed as tables and written as JSON.
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The parts of one rotation's propagation: {@code beforeLogin + login + afterLogin} is the propagation;
     * {@code toPool} (dispatch to the binding until it had set the credentials and soft-evicted) and {@code
     * slot} (the eviction until HikariCP closed the first evicted connection) fall into one of those,
     * depending on the order the binding works in; {@code demoHop} is the demo's own relay, outside it.
     */
    static final List<String> PHASES = List.of("beforeLogin", "login", "afterLogin", "toPool", "slot", "demoHop");

    /** One rotation, its steps relative to the path's source accepting the change (microseconds). */
    record Rotation(
            long published,
            long applied,
            long firstReturn,
            long lastReturn,
            long firstClose,
            long loginStart,
            long loginEnd,
            String loginThread,
            long propagation,
            long drain) {

        /**
         * The first login with the new credentials was a bridged one: a connection the pool was opening, refused
         * with the previous password, retried as soon as the change arrived, before the binding had applied it.
         */
        boolean early() {
            return loginStart >= 0
                    && loginStart < applied
                    && (loginThread == null || !loginThread.startsWith("scaivault-hikari-"));
        }

        /** Microseconds spent in {@code phase}, or -1 where the phase does not apply to this rotation. */
        long phase(String phase) {
            return switch (phase) {
                case "beforeLogin" -> Math.max(0, loginStart - published);
                case "login" -> loginEnd - loginStart;
                case "afterLogin" -> propagation < 0 ? -1 : Math.max(0, published + propagation - loginEnd);
                case "toPool" -> applied - published;
                case "slot" -> firstClose < 0 ? -1 : firstClose - applied;
                case "demoHop" -> published;
                default -> throw new IllegalArgumentException(phase);
            };
        }

        /** How long after the eviction the last connection borrowed before it was returned (0: none was). */
        long hold() {
            return lastReturn < 0 ? 0 : lastReturn - applied;
        }
    }

    /** The figures of one path. */
    static final class Figures {
        final PathStats stats;
        final List<Rotation> rotations = new ArrayList<>();
        final List<Long> holds = new ArrayList<>();

        Figures(PathStats stats, Timeline timeline) {
            this.stats = stats;
            for (Timeline.Step s : stats.steps) {
                if (!s.counted || s.appliedAt == 0 || s.loginEnd == 0) {
                    continue;
                }
                long[] returns = timeline.returnsOfHeldAt(s.appliedAt);
                long firstClose = timeline.firstCloseOfOthers(s, s.appliedAt);
                long base = s.sourceAt;
                Rotation r = new Rotation(
                        s.publishedAt - base,
                        s.appliedAt - base,
                        returns[0] < 0 ? -1 : returns[0] - base,
                        returns[1] < 0 ? -1 : returns[1] - base,
                        firstClose < 0 ? -1 : firstClose - base,
                        s.loginStart - base,
                        s.loginEnd - base,
                        s.loginThread,
                        s.propagation,
                        s.drain);
                rotations.add(r);
                if (s.drain >= 0) {
                    holds.add(r.hold());
                }
            }
        }

        Double connect(double q) {
            return PathStats.quantileMs(stats.connect, q);
        }

        Double propagation(double q) {
            return PathStats.quantileMs(stats.propagation, q);
        }

        Double drain(double q) {
            return PathStats.quantileMs(stats.drain, q);
        }

        Double hold(double q) {
            return PathStats.quantileMs(holds, q);
        }

        Double phase(String phase, double q) {
            List<Long> v = new ArrayList<>();
            for (Rotation r : rotations) {
                long p = r.phase(phase);
                if (p >= 0) {
                    v.add(p);
                }
            }
            return PathStats.quantileMs(v, q);
        }

        long early() {
            return rotations.stream().filter(Rotation::early).count();
        }
    }

    private final List<Figures> paths = new ArrayList<>();
    private final Machine machine;

    Report(List<PathStats> stats, Timeline timeline, Machine machine) {
        stats.forEach(s -> paths.add(new Figures(s, timeline)));
        this.machine = machine;
    }

    void print(PrintStream out, Options options, int switches, int timeouts, double loadSeconds, double wallSeconds) {
        String fmt = "%-9s %9s %11s %8s %8s%n";
        out.printf(Locale.ROOT, fmt, "path", "rotations", "queries ok", "failed", "bridged");
        for (Figures f : paths) {
            PathStats s = f.stats;
            out.printf(
                    Locale.ROOT,
                    fmt,
                    s.name,
                    s.rotations.get(),
                    s.queriesOk.sum(),
                    s.queriesFailed.sum(),
                    s.bridgedAuthFailures.get());
        }
        out.printf(
                Locale.ROOT,
                fmt,
                "total",
                paths.stream().mapToInt(f -> f.stats.rotations.get()).sum(),
                paths.stream().mapToLong(f -> f.stats.queriesOk.sum()).sum(),
                paths.stream().mapToLong(f -> f.stats.queriesFailed.sum()).sum(),
                "");
        out.println();
        String sum = "%-9s %8s + %6s = %6s    %8s + %6s = %6s%n";
        out.printf(Locale.ROOT, sum, "prop. ms", "connect", "excess", "p50", "connect", "excess", "p99");
        for (Figures f : paths) {
            out.printf(
                    Locale.ROOT,
                    sum,
                    f.stats.name,
                    ms(f.connect(0.5)),
                    ms(PathStats.minus(f.propagation(0.5), f.connect(0.5))),
                    ms(f.propagation(0.5)),
                    ms(f.connect(0.99)),
                    ms(PathStats.minus(f.propagation(0.99), f.connect(0.99))),
                    ms(f.propagation(0.99)));
        }
        out.printf(Locale.ROOT, sum, "drain ms", "hold", "excess", "p50", "hold", "excess", "p99");
        for (Figures f : paths) {
            out.printf(
                    Locale.ROOT,
                    sum,
                    f.stats.name,
                    ms(f.hold(0.5)),
                    ms(PathStats.minus(f.drain(0.5), f.hold(0.5))),
                    ms(f.drain(0.5)),
                    ms(f.hold(0.99)),
                    ms(PathStats.minus(f.drain(0.99), f.hold(0.99))),
                    ms(f.drain(0.99)));
        }
        out.println();
        String steps = "%-9s %13s %13s %13s %13s %13s %6s%n";
        out.printf(Locale.ROOT, steps, "steps ms", "before login", "login", "after login", "to pool", "slot", "early");
        for (Figures f : paths) {
            out.printf(
                    Locale.ROOT,
                    steps,
                    f.stats.name,
                    pair(f, "beforeLogin"),
                    pair(f, "login"),
                    pair(f, "afterLogin"),
                    pair(f, "toPool"),
                    pair(f, "slot"),
                    f.early());
        }
        out.printf(
                Locale.ROOT,
                "(ms, p50 and p99 per path. propagation: source change -> first new physical connection with the new"
                        + " credentials, = connect, a bare login timed in the same run, + excess. drain: eviction ->"
                        + " hand-off of the previous credentials, = hold, until the borrowers of the evicted"
                        + " connections returned the last of them, + excess. steps, p50/p99 over the rotations:"
                        + " propagation = before login + the first login with the new credentials + after login (until"
                        + " the pool had that connection); to pool = from the change until the binding had set the"
                        + " credentials and soft-evicted; slot = from then until HikariCP closed the first evicted"
                        + " connection; early = first logins that bridging made before the change was applied."
                        + " bridged = new connections refused by the database before the new password arrived,"
                        + " retried by the binding. See docs/demo.md.)%n");
        out.printf(
                Locale.ROOT,
                "%d threads, pool size 5, %d path switches, %d hand-off timeouts; under load %.1f s, wall time %.1f s%n",
                options.threads(),
                switches,
                timeouts,
                loadSeconds,
                wallSeconds);
        out.println(machine.oneLine());
    }

    private static String pair(Figures f, String phase) {
        Double p50 = f.phase(phase, 0.5);
        Double p99 = f.phase(phase, 0.99);
        return p50 == null ? "-" : ms(p50) + "/" + ms(p99);
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }

    void write(Path file, Options options, double loadSeconds, double wallSeconds) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.set("machine", JSON.valueToTree(machine.facts()));
        ObjectNode opts = root.putObject("options");
        opts.put("threads", options.threads());
        opts.put("rotations", options.rotations());
        opts.put("durationMs", options.duration().toMillis());
        opts.put("leaseTtlMs", options.leaseTtl().toMillis());
        opts.put("poolSize", 5);
        ArrayNode array = root.putArray("paths");
        for (Figures f : paths) {
            PathStats s = f.stats;
            ObjectNode p = array.addObject();
            p.put("name", s.name);
            p.put("rotations", s.rotations.get());
            p.put("queriesOk", s.queriesOk.sum());
            p.put("queriesFailed", s.queriesFailed.sum());
            p.put("bridged", s.bridgedAuthFailures.get());
            p.put("connectSamples", s.connect.size());
            p.put("connectMsP50", f.connect(0.5));
            p.put("connectMsP99", f.connect(0.99));
            p.put("propagationMsP50", f.propagation(0.5));
            p.put("propagationMsP99", f.propagation(0.99));
            p.put("propagationExcessMsP50", PathStats.minus(f.propagation(0.5), f.connect(0.5)));
            p.put("propagationExcessMsP99", PathStats.minus(f.propagation(0.99), f.connect(0.99)));
            p.put("drainMsP50", f.drain(0.5));
            p.put("drainMsP99", f.drain(0.99));
            p.put("holdMsP50", f.hold(0.5));
            p.put("holdMsP99", f.hold(0.99));
            p.put("drainExcessMsP50", PathStats.minus(f.drain(0.5), f.hold(0.5)));
            p.put("drainExcessMsP99", PathStats.minus(f.drain(0.99), f.hold(0.99)));
            ObjectNode steps = p.putObject("steps");
            for (String phase : PHASES) {
                steps.put(phase + "MsP50", f.phase(phase, 0.5));
                steps.put(phase + "MsP99", f.phase(phase, 0.99));
            }
            steps.put("early", f.early());
            ArrayNode timeline = p.putArray("timeline");
            for (Rotation r : f.rotations) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("published", r.published() / 1000.0);
                m.put("applied", r.applied() / 1000.0);
                m.put("firstReturn", r.firstReturn() < 0 ? null : r.firstReturn() / 1000.0);
                m.put("lastReturn", r.lastReturn() < 0 ? null : r.lastReturn() / 1000.0);
                m.put("firstClose", r.firstClose() < 0 ? null : r.firstClose() / 1000.0);
                m.put("loginStart", r.loginStart() / 1000.0);
                m.put("loginEnd", r.loginEnd() / 1000.0);
                m.put("loginThread", r.loginThread());
                m.put("propagation", r.propagation() < 0 ? null : r.propagation() / 1000.0);
                m.put("drain", r.drain() < 0 ? null : r.drain() / 1000.0);
                timeline.add(JSON.valueToTree(m));
            }
        }
        root.put(
                "queriesOk",
                paths.stream().mapToLong(f -> f.stats.queriesOk.sum()).sum());
        root.put(
                "queriesFailed",
                paths.stream().mapToLong(f -> f.stats.queriesFailed.sum()).sum());
        root.put("loadSeconds", Math.round(loadSeconds * 10) / 10.0);
        root.put("wallSeconds", Math.round(wallSeconds * 10) / 10.0);
        Files.createDirectories(file.toAbsolutePath().getParent());
        JSON.writeValue(file.toFile(), root);
    }
}
