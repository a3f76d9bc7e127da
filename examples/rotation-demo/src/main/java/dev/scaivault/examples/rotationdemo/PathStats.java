package dev.scaivault.examples.rotationdemo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What happened while one delivery path was in force. Durations in microseconds. */
final class PathStats {
    final String name;
    final LongAdder queriesOk = new LongAdder();
    final LongAdder queriesFailed = new LongAdder();
    final AtomicInteger rotations = new AtomicInteger();
    final AtomicInteger handOffs = new AtomicInteger();
    final AtomicInteger handOffTimeouts = new AtomicInteger();
    final AtomicInteger bridgedAuthFailures = new AtomicInteger();
    final ConcurrentLinkedQueue<Long> propagation = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Long> drain = new ConcurrentLinkedQueue<>();
    /** Bare logins with valid credentials, timed while this path was in force: the baseline. */
    final ConcurrentLinkedQueue<Long> connect = new ConcurrentLinkedQueue<>();

    final AtomicInteger connectFailures = new AtomicInteger();
    final ConcurrentLinkedQueue<Timeline.Step> steps = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> firstFailures = new ConcurrentLinkedQueue<>();
    volatile String firstOrigin;

    PathStats(String name) {
        this.name = name;
    }

    void failed(String why) {
        queriesFailed.increment();
        if (firstFailures.size() < 3) {
            firstFailures.add(why);
        }
    }

    /** The {@code q} quantile of {@code micros} in milliseconds (nearest rank, 0.01 ms), or null without samples. */
    static Double quantileMs(Collection<Long> micros, double q) {
        List<Long> sorted = new ArrayList<>(micros);
        if (sorted.isEmpty()) {
            return null;
        }
        Collections.sort(sorted);
        int i = (int) Math.ceil(q * sorted.size()) - 1;
        long v = sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        return Math.round(v / 10.0) / 100.0;
    }

    /** {@code a - b}, rounded to 0.01 ms, or null if either is missing. */
    static Double minus(Double a, Double b) {
        return a == null || b == null ? null : Math.round((a - b) * 100) / 100.0;
    }
}
