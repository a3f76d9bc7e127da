package dev.scaivault;

import dev.scaivault.internal.Scheduler;

/** Test access from other packages to the client's virtual-time hook, so a lease keeper and its client share one clock. */
public final class VirtualTime {
    private VirtualTime() {}

    public static ScaiVault.Builder on(ScaiVault.Builder builder, Scheduler scheduler) {
        return builder.scheduler(scheduler);
    }
}
