package dev.scaivault;

/** Ends a listener's subscription. Idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
