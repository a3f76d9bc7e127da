package dev.scaivault.source;

/** Receives the changes of a {@link SecretSource}, one at a time, on a dispatch thread. */
@FunctionalInterface
public interface SecretListener<T> {

    /**
     * Called for each new value. Return quickly. If this consumer keeps using {@link SecretChange#previous()}
     * after returning (a pool with borrowed connections, say), call {@link SecretChange#deferHandOff()}
     * before returning and complete the hand-off later. An exception thrown here is logged and counts as an
     * immediate hand-off.
     */
    void onChange(SecretChange<? extends T> change);
}
