package dev.scaivault.testkit;

import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that runs a {@link ScaiVaultDevServer}:
 *
 * <pre>{@code
 * @RegisterExtension
 * static ScaiVaultDevServerExtension vault =
 *         ScaiVaultDevServerExtension.with(ScaiVaultDevServer.builder().staticToken("skt_test", "idn_app"));
 * }</pre>
 *
 * A static field starts one server for the class and clears its faults and request log before each test
 * (secrets, tokens and leases carry over); an instance field starts a fresh server per test. Test methods
 * may also take a {@link ScaiVaultDevServer} parameter. Needs {@code junit-jupiter-api} on the class path.
 */
public final class ScaiVaultDevServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private final ScaiVaultDevServer.Builder builder;
    private ScaiVaultDevServer server;
    private boolean perClass;

    private ScaiVaultDevServerExtension(ScaiVaultDevServer.Builder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    public static ScaiVaultDevServerExtension with(ScaiVaultDevServer.Builder builder) {
        return new ScaiVaultDevServerExtension(builder);
    }

    /** A server with default settings and no credentials configured. */
    public static ScaiVaultDevServerExtension create() {
        return with(ScaiVaultDevServer.builder());
    }

    /** The running server; only valid while a test runs. */
    public ScaiVaultDevServer server() {
        if (server == null) {
            throw new IllegalStateException("the dev server runs only while a test of this class runs");
        }
        return server;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = builder.start();
        perClass = true;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeServer();
        perClass = false;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (perClass) {
            server.faults().clear();
            server.refuseConnections(false);
            server.clearRequests();
        } else {
            server = builder.start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            closeServer();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == ScaiVaultDevServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return server();
    }

    private void closeServer() {
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
