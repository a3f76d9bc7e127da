package dev.scaivault;

import dev.scaivault.internal.Scheduler;
import java.time.Duration;

/**
 * Test-only bridge to the client builder's package-private time hooks, so a simulation can run a whole
 * client (token cache, call budget, retry sleeps) on a clock that runs faster than real time.
 */
public final class SimulationAccess {
    private SimulationAccess() {}

    /** Sleeps a duration of the simulated time. */
    @FunctionalInterface
    public interface Sleep {
        void sleep(Duration simulated) throws InterruptedException;
    }

    /** {@code sleep} receives each retry wait of the client's calls (in the scheduler's time). */
    public static ScaiVault.Builder onTime(ScaiVault.Builder b, Scheduler scheduler, Sleep sleep) {
        return b.scheduler(scheduler).sleeper(sleep::sleep);
    }
}
