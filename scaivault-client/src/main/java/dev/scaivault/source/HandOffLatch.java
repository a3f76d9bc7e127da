package dev.scaivault.source;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the consumers still holding a previous value; completes when the last one lets go. */
final class HandOffLatch {
    // Starts at 1: the publisher's own party, released once every listener has been called.
    private final AtomicInteger parties = new AtomicInteger(1);
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    HandOff newParty() {
        parties.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                release();
            }
        };
    }

    void release() {
        if (parties.decrementAndGet() == 0) {
            done.complete(null);
        }
    }

    CompletableFuture<Void> future() {
        return done;
    }
}
