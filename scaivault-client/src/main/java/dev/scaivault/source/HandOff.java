package dev.scaivault.source;

/**
 * A consumer's promise to say when it no longer uses the previous value of a change. Completing it more
 * than once has no further effect.
 */
@FunctionalInterface
public interface HandOff {
    /** The consumer no longer uses the previous value. */
    void complete();
}
