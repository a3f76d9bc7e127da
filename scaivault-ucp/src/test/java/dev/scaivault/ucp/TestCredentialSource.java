package dev.scaivault.ucp;

import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A source the test drives by hand. Like a mounted file the kubelet has not swapped yet, a refresh
 * re-reads what is published and nothing newer, so the binding's bridging must wait for the next publish.
 */
final class TestCredentialSource extends AbstractSecretSource<Credentials> {
    private final AtomicInteger refreshes = new AtomicInteger();

    TestCredentialSource(Credentials first) {
        super("test:manual", Clock.systemUTC());
        publish(first);
    }

    /** Completes once every listener has handed off the previous value. */
    CompletableFuture<Void> publishNext(Credentials next) {
        return publish(next);
    }

    int refreshes() {
        return refreshes.get();
    }

    @Override
    public CompletableFuture<Credentials> refreshNow() {
        refreshes.incrementAndGet();
        return CompletableFuture.completedFuture(current());
    }
}
