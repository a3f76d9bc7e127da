package dev.scaivault.source;

/** A listener's registration with a source; {@link #close()} removes the listener. Idempotent. */
@FunctionalInterface
public interface Registration extends AutoCloseable {
    @Override
    void close();
}
