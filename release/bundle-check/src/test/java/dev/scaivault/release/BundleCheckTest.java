package dev.scaivault.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCheckTest {

    private static final String V = "1.2.0";
    private static final String METADATA =
            """
              <url>https://example.org/p</url>
              <licenses><license><name>Apache-2.0</name><url>https://www.apache.org/licenses/LICENSE-2.0.txt</url></license></licenses>
              <developers><developer><name>The maintainers</name></developer></developers>
              <scm><connection>scm:git:https://example.org/p.git</connection><url>https://example.org/p</url></scm>
            """;

    @TempDir
    Path staging;

    @BeforeEach
    void aCompleteBundle() throws IOException {
        pomArtifact(
                "p-parent",
                "<groupId>dev.x</groupId><version>" + V + "</version><packaging>pom</packaging>"
                        + "<name>P</name><description>d</description>" + METADATA);
        pomArtifact(
                "p-bom",
                "<groupId>dev.x</groupId><version>" + V + "</version><packaging>pom</packaging>"
                        + "<name>P BOM</name><description>d</description>" + METADATA
                        + "<dependencyManagement><dependencies>"
                        + "<dependency><groupId>dev.x</groupId><artifactId>p-core</artifactId><version>" + V
                        + "</version></dependency>"
                        + "<dependency><groupId>org.other</groupId><artifactId>lib</artifactId><version>9</version></dependency>"
                        + "</dependencies></dependencyManagement>");
        jarArtifact("p-core", "<name>P core</name><description>the core</description>");
    }

    @Test
    void aCompleteBundlePasses() throws IOException {
        BundleCheck.Report report = check(false);

        assertThat(report.problems()).isEmpty();
        assertThat(report.files()).containsOnlyKeys("p-bom", "p-core", "p-parent");
        assertThat(report.files().get("p-core"))
                .contains("p-core-1.2.0.jar", "p-core-1.2.0-javadoc.jar.sha512", "p-core-1.2.0-cyclonedx.json.md5");
    }

    @Test
    void aMissingJavadocJarIsNamed() throws IOException {
        Files.delete(dir("p-core").resolve("p-core-1.2.0-javadoc.jar"));

        assertThat(check(false).problems())
                .containsExactly("p-core: missing p-core-1.2.0-javadoc.jar"
                        + " (Central requires a javadoc jar for jar packaging)");
    }

    @Test
    void aJavadocJarWithoutPagesIsRefused() throws IOException {
        jar(dir("p-core").resolve("p-core-1.2.0-javadoc.jar"), "META-INF/MANIFEST.MF");
        sums(dir("p-core").resolve("p-core-1.2.0-javadoc.jar"));

        assertThat(check(false).problems())
                .containsExactly("p-core: p-core-1.2.0-javadoc.jar has no index.html (the javadoc did not build)");
    }

    @Test
    void aMissingOrWrongChecksumIsNamed() throws IOException {
        Files.delete(dir("p-core").resolve("p-core-1.2.0.jar.sha1"));
        Files.writeString(dir("p-core").resolve("p-core-1.2.0.pom.md5"), "0123");

        assertThat(check(false).problems())
                .containsExactlyInAnyOrder(
                        "p-core: missing p-core-1.2.0.jar.sha1 (Central requires md5 and sha1; sha256 and sha512 are"
                                + " staged too)",
                        "p-core: p-core-1.2.0.pom.md5 does not match p-core-1.2.0.pom");
    }

    @Test
    void metadataMissingFromTheModuleAndItsParentIsNamed() throws IOException {
        pomArtifact(
                "p-parent",
                "<groupId>dev.x</groupId><version>" + V + "</version><packaging>pom</packaging>"
                        + "<name>P</name><description>d</description><url>https://example.org/p</url>");

        assertThat(check(false).problems())
                .contains(
                        "p-core: POM has no <licenses><license><name>, neither its own nor from a parent in the bundle"
                                + " (Central requires it)",
                        "p-core: POM has no <developers><developer><name>, neither its own nor from a parent in the"
                                + " bundle (Central requires it)",
                        "p-core: POM has no <scm><url>, neither its own nor from a parent in the bundle (Central"
                                + " requires it)",
                        "p-parent: POM has no <licenses><license><name>, neither its own nor from a parent in the"
                                + " bundle (Central requires it)")
                .noneMatch(p -> p.contains("no <url>,") || p.contains("no <description>"));
    }

    @Test
    void aNameIsNeverTakenFromTheParent() throws IOException {
        jarArtifact("p-core", "<description>the core</description>");

        assertThat(check(false).problems())
                .containsExactly("p-core: POM has no <name> (Central requires it; Maven does not inherit it)");
    }

    @Test
    void aModuleMissingFromTheBomFailsAndSaysHowToOptOut() throws IOException {
        jarArtifact("p-examples", "<name>examples</name><description>d</description>");

        assertThat(check(false).problems())
                .containsExactly("p-examples is in the bundle but not in p-bom (add it to the BOM, or set"
                        + " scaivault.release.skip to true in its POM if it must not be published)");
    }

    @Test
    void aBomEntryWithoutItsArtifactFails() throws IOException {
        deleteTree(staging.resolve("dev/x/p-core"));

        assertThat(check(false).problems())
                .containsExactly(
                        "p-bom lists p-core, which is not in the bundle (publish the module, or take it out of the BOM)");
    }

    @Test
    void signingOnRequiresASignaturePerFile() throws IOException {
        assertThat(check(true).problems())
                .hasSize(9)
                .contains("p-core: missing p-core-1.2.0-sources.jar.asc (Central requires a signature per file)");

        signAll();
        assertThat(check(true).problems()).isEmpty();
    }

    @Test
    void aStrayClassifierIsRefused() throws IOException {
        jar(dir("p-core").resolve("p-core-1.2.0-server.jar"), "A.class");

        assertThat(check(false).problems())
                .containsExactly("p-core: unexpected file p-core-1.2.0-server.jar (a bundle holds the POM, jar,"
                        + " -sources.jar, -javadoc.jar and -cyclonedx.json, their checksums and signatures)");
    }

    @Test
    void aSnapshotVersionIsANoteButASnapshotDependencyIsAProblem() throws IOException {
        deleteTree(staging.resolve("dev"));
        String v = "1.3.0-SNAPSHOT";
        pomArtifact(
                "p-parent",
                v,
                "<groupId>dev.x</groupId><version>" + v + "</version><packaging>pom</packaging>"
                        + "<name>P</name><description>d</description>" + METADATA);
        pomArtifact(
                "p-bom",
                v,
                "<groupId>dev.x</groupId><version>" + v + "</version><packaging>pom</packaging>"
                        + "<name>B</name><description>d</description>" + METADATA
                        + "<dependencyManagement><dependencies><dependency><groupId>dev.x</groupId>"
                        + "<artifactId>p-core</artifactId><version>${project.version}</version></dependency>"
                        + "</dependencies></dependencyManagement>");
        jarArtifact("p-core", v, "<name>C</name><description>d</description>");

        BundleCheck.Report snapshot = BundleCheck.check(options(v, false));
        assertThat(snapshot.problems()).isEmpty();
        assertThat(snapshot.notes()).singleElement().asString().contains("1.3.0-SNAPSHOT is a SNAPSHOT");

        jarArtifact(
                "p-core",
                v,
                "<name>C</name><description>d</description><dependencies><dependency><groupId>o</groupId>"
                        + "<artifactId>l</artifactId><version>2.0-SNAPSHOT</version></dependency></dependencies>");
        assertThat(BundleCheck.check(options(v, false)).problems())
                .containsExactly("p-core: POM refers to a SNAPSHOT other than its own version (Central refuses"
                        + " releases that depend on snapshots)");
    }

    @Test
    void anEmptyStagingDirectorySaysHowToFillIt() throws IOException {
        deleteTree(staging.resolve("dev"));

        assertThat(check(false).problems()).singleElement().asString().contains("run mvn -Prelease verify");
    }

    @Test
    void theMainEntryPointFailsTheBuildListingEveryProblem() throws IOException {
        Files.delete(dir("p-core").resolve("p-core-1.2.0-sources.jar"));
        Files.delete(dir("p-core").resolve("p-core-1.2.0-cyclonedx.json"));

        assertThatThrownBy(() -> BundleCheck.main(arguments()))
                .hasMessageContaining("(2 problems)")
                .hasMessageContaining("p-core: missing p-core-1.2.0-sources.jar")
                .hasMessageContaining("p-core: missing p-core-1.2.0-cyclonedx.json");
    }

    @Test
    void aPassingBundleIsZippedInRepositoryLayoutWithOneFixedTime(@TempDir Path out) throws Exception {
        Path zip = out.resolve("bundle.zip");
        String[] args = Stream.concat(
                        Arrays.stream(arguments()),
                        Stream.of("--zip", zip.toString(), "--timestamp", "2026-11-24T00:00:00Z"))
                .toArray(String[]::new);

        BundleCheck.main(args);

        try (ZipFile z = new ZipFile(zip.toFile())) {
            List<String> names = z.stream().map(ZipEntry::getName).toList();
            assertThat(names).contains("dev/x/p-core/1.2.0/p-core-1.2.0.jar", "dev/x/p-bom/1.2.0/p-bom-1.2.0.pom");
            assertThat(names).isSorted();
            assertThat(z.stream().map(e -> e.getLastModifiedTime().toInstant()).distinct())
                    .containsExactly(Instant.parse("2026-11-24T00:00:00Z"));
        }
    }

    private String[] arguments() {
        return new String[] {
            "--staging",
            staging.toString(),
            "--group",
            "dev.x",
            "--version",
            V,
            "--parent",
            "p-parent",
            "--bom",
            "p-bom",
            "--signed",
            "false"
        };
    }

    private BundleCheck.Report check(boolean signed) throws IOException {
        return BundleCheck.check(options(V, signed));
    }

    private BundleCheck.Options options(String version, boolean signed) {
        return new BundleCheck.Options(staging, "dev.x", version, "p-parent", "p-bom", signed);
    }

    private Path dir(String artifactId) {
        return staging.resolve("dev/x").resolve(artifactId).resolve(V);
    }

    private void pomArtifact(String artifactId, String body) throws IOException {
        pomArtifact(artifactId, V, body);
    }

    private void pomArtifact(String artifactId, String version, String body) throws IOException {
        Path dir = staging.resolve("dev/x").resolve(artifactId).resolve(version);
        Files.createDirectories(dir);
        String base = artifactId + "-" + version;
        write(
                dir.resolve(base + ".pom"),
                "<project><modelVersion>4.0.0</modelVersion><artifactId>" + artifactId + "</artifactId>" + body
                        + "</project>");
        write(
                dir.resolve(base + "-cyclonedx.json"),
                "{\"bomFormat\" : \"CycloneDX\", \"metadata\": {\"component\":" + " {\"purl\" : \"pkg:maven/dev.x/"
                        + artifactId + "@" + version + "?type=jar\"}}}");
    }

    private void jarArtifact(String artifactId, String body) throws IOException {
        jarArtifact(artifactId, V, body);
    }

    private void jarArtifact(String artifactId, String version, String body) throws IOException {
        pomArtifact(
                artifactId,
                version,
                "<parent><groupId>dev.x</groupId><artifactId>p-parent</artifactId><version>" + version
                        + "</version></parent>" + body);
        Path dir = staging.resolve("dev/x").resolve(artifactId).resolve(version);
        String base = artifactId + "-" + version;
        jar(dir.resolve(base + ".jar"), "dev/x/Core.class");
        jar(dir.resolve(base + "-sources.jar"), "dev/x/Core.java");
        jar(dir.resolve(base + "-javadoc.jar"), "index.html");
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                sums(f);
            }
        }
    }

    private static void jar(Path file, String entry) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(entry));
            z.write(entry.getBytes(StandardCharsets.UTF_8));
            z.closeEntry();
        }
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content);
        sums(file);
    }

    private static void sums(Path file) throws IOException {
        if (file.getFileName().toString().matches(".*\\.(md5|sha1|sha256|sha512)")) {
            return;
        }
        for (String algorithm : BundleCheck.CHECKSUMS) {
            Files.writeString(
                    file.resolveSibling(file.getFileName() + "." + algorithm), BundleCheck.digest(file, algorithm));
        }
    }

    private void signAll() throws IOException {
        try (var walk = Files.walk(staging)) {
            for (Path f : walk.filter(Files::isRegularFile).toList()) {
                if (!f.getFileName().toString().matches(".*\\.(md5|sha1|sha256|sha512|asc)")) {
                    Files.writeString(
                            f.resolveSibling(f.getFileName() + ".asc"),
                            "-----BEGIN PGP SIGNATURE-----\n...\n-----END PGP SIGNATURE-----\n");
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
                Files.delete(p);
            }
        }
    }
}
