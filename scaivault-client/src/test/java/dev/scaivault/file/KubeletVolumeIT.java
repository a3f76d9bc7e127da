package dev.scaivault.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.scaivault.source.SecretSource;
import dev.scaivault.testkit.files.KubeletVolume;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** FILE-UPDATES.md section 7, scenarios 1-7, 12, 13 and the emptied volume: kubelet and CSI volumes. */
class KubeletVolumeIT {
    @TempDir
    Path tmp;

    private static Map<String, String> creds(String v) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("username", "app");
        m.put("password", "pw-" + v);
        return m;
    }

    private static boolean wholeCreds(FileSecret s) {
        return "app".equals(s.values().get("username"))
                && s.values().getOrDefault("password", "").startsWith("pw-");
    }

    private static Map<String, String> onDisk(Path dir) throws Exception {
        Map<String, String> m = new java.util.TreeMap<>();
        try (var ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().startsWith(".")) {
                    m.put(p.getFileName().toString(), Files.readString(p));
                }
            }
        }
        return m;
    }

    @Test
    void scenario1InitialMountLoadsOnceAndNothingElse() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            assertThat(s.current().values()).isEqualTo(creds("v1"));
            assertThat(s.current().format()).isEqualTo(FileFormat.DIRECTORY);
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            r.assertStaysAt(1);
            r.assertAllWhole();
        }
    }

    @ParameterizedTest
    @EnumSource(KubeletVolume.Order.class)
    void scenario2UpdateDeliversOnce(KubeletVolume.Order order) throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db")).order(order);
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            assertThat(vol.writeStrings(creds("v2"))).isTrue();
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2")).isEqualTo(onDisk(vol.dir()));
            r.assertAllWhole();
        }
    }

    @Test
    void scenario2VariantFsGroupChownAndChmodBeforeTheSwap() throws Exception {
        int gid = (Integer) Files.getAttribute(tmp, "unix:gid");
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db")).fsGroup(gid);
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            vol.writeStrings(creds("v2"));
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2")).isEqualTo(onDisk(vol.dir()));
            r.assertAllWhole();
        }
    }

    @ParameterizedTest
    @EnumSource(KubeletVolume.Order.class)
    void scenario2OneFileOfAVolumeIsReadThroughThePinnedDirectory(KubeletVolume.Order order) {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("cfg")).order(order);
        vol.writeStrings(Map.of("db.json", "{\"username\":\"app\",\"password\":\"pw-v1\"}", "other", "x"));
        try (SecretSource<FileSecret> s =
                FileSource.builder(vol.dir().resolve("db.json")).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            assertThat(s.current().format()).isEqualTo(FileFormat.JSON);
            vol.writeStrings(Map.of("db.json", "{\"username\":\"app\",\"password\":\"pw-v2\"}", "other", "x"));
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            r.assertAllWhole();
        }
    }

    @ParameterizedTest
    @EnumSource(KubeletVolume.Order.class)
    void scenario3KeyAdded(KubeletVolume.Order order) throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db")).order(order);
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            Map<String, String> v2 = creds("v1");
            v2.put("host", "db.internal");
            vol.writeStrings(v2);
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(v2).isEqualTo(onDisk(vol.dir()));
            r.assertAllWhole();
        }
    }

    @ParameterizedTest
    @EnumSource(KubeletVolume.Order.class)
    void scenario4KeyRemoved(KubeletVolume.Order order) throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db")).order(order);
        Map<String, String> v1 = creds("v1");
        v1.put("host", "db.internal");
        vol.writeStrings(v1);
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            vol.writeStrings(creds("v1"));
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(creds("v1")).isEqualTo(onDisk(vol.dir()));
            assertThat(Files.exists(vol.dir().resolve("host"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .isFalse();
            r.assertAllWhole();
        }
    }

    @Test
    void scenario5NoChangeResyncWritesNothingAndDeliversNothing() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            assertThat(vol.writeStrings(creds("v1"))).isFalse();
            r.assertStaysAt(1);
        }
    }

    @Test
    void scenario5VariantOnlyAMissingVisibleSymlinkIsRecreated() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(creds("v1"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            vol.removeVisibleSymlink("password");
            assertThat(vol.writeStrings(creds("v1"))).isFalse();
            assertThat(Files.isSymbolicLink(vol.dir().resolve("password"))).isTrue();
            r.assertStaysAt(1);
            assertThat(s.status().stale()).isFalse();
        }
    }

    @Test
    void scenario6ProjectedServiceAccountTokenOnlyTokenChanges() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("serviceaccount"));
        Map<String, String> v1 = Map.of("token", "eyJ.one", "ca.crt", "-----BEGIN CERT-----", "namespace", "prod");
        vol.writeStrings(v1);
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, x -> x.values().keySet().equals(v1.keySet()));
            Map<String, String> v2 = new LinkedHashMap<>(v1);
            v2.put("token", "eyJ.two");
            vol.writeStrings(v2);
            r.awaitCount(2);
            r.assertStaysAt(2);
            assertThat(r.last()).isEqualTo(v2);
            r.assertAllWhole();
        }
    }

    @Test
    void scenario7CsiRotationTenPollsFiveChanges() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("csi")).order(KubeletVolume.Order.LEGACY);
        vol.writeStrings(creds("v0"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            int version = 0;
            int expected = 1;
            for (int i = 0; i < 10; i++) {
                boolean change = i % 2 == 0;
                if (change) {
                    version++;
                    expected++;
                }
                assertThat(vol.writeStrings(creds("v" + version))).isEqualTo(change);
                r.awaitCount(expected);
                assertThat(r.last()).isEqualTo(creds("v" + version));
                // The CSI driver's rotation poll: 2 s between syncs (pass criterion: nothing extra meanwhile).
                int n = expected;
                await().during(Duration.ofMillis(1900))
                        .atMost(Duration.ofSeconds(3))
                        .untilAsserted(() -> assertThat(r.seen).hasSize(n));
            }
            assertThat(r.seen).hasSize(6);
            assertThat(r.last()).isEqualTo(onDisk(vol.dir()));
            r.assertAllWhole();
        }
    }

    @Test
    void emptiedVolumeKeepsTheLastGoodValueAndRecovers() {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(creds("v1"));
        List<FileSecretException> errors = new CopyOnWriteArrayList<>();
        try (SecretSource<FileSecret> s =
                FileSource.builder(vol.dir()).onError(errors::add).build()) {
            Recorder r = Recorder.on(s, KubeletVolumeIT::wholeCreds);
            vol.vanish();
            await().atMost(Recorder.WITHIN).until(() -> !errors.isEmpty());
            assertThat(s.current().values()).isEqualTo(creds("v1"));
            assertThat(s.status().stale()).isTrue();
            vol.writeStrings(creds("v2"));
            r.awaitCount(2);
            assertThat(r.last()).isEqualTo(creds("v2"));
            assertThat(s.status().stale()).isFalse();
            r.assertAllWhole();
        }
    }

    @Test
    void scenario12BurstOfHundredUpdatesWhileTheListenerBlocks() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("db"));
        vol.writeStrings(Map.of("cert", "v0", "key", "v0"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            Recorder r =
                    Recorder.on(s, x -> x.values().get("cert").equals(x.values().get("key")));
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean blocked = new AtomicBoolean();
            r.onEachChange(c -> {
                if (blocked.compareAndSet(false, true)) {
                    try {
                        release.await(3, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            long start = System.nanoTime();
            for (int i = 1; i <= 100; i++) {
                vol.writeStrings(Map.of("cert", "v" + i, "key", "v" + i));
            }
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(1));
            await().atMost(Duration.ofSeconds(3).plus(Recorder.WITHIN))
                    .until(() -> r.last().equals(Map.of("cert", "v100", "key", "v100")));
            r.assertAllWhole();
            List<Integer> versions = new ArrayList<>();
            r.seen.forEach(
                    x -> versions.add(Integer.parseInt(x.values().get("cert").substring(1))));
            assertThat(versions).isSorted().doesNotHaveDuplicates();
            assertThat(s.current().values()).isEqualTo(Map.of("cert", "v100", "key", "v100"));
        }
    }

    @Test
    void scenario13ReaderWriterStressNeverTearsAPair() throws Exception {
        KubeletVolume vol = KubeletVolume.at(tmp.resolve("tls"));
        vol.writeStrings(Map.of("tls.crt", "0", "tls.key", "0"));
        try (SecretSource<FileSecret> s = FileSource.builder(vol.dir()).build()) {
            AtomicInteger torn = new AtomicInteger();
            AtomicInteger reads = new AtomicInteger();
            Recorder r = Recorder.on(
                    s, x -> x.values().get("tls.crt").equals(x.values().get("tls.key")));
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    Map<String, String> v = s.current().values();
                    if (!v.get("tls.crt").equals(v.get("tls.key"))) {
                        torn.incrementAndGet();
                    }
                    reads.incrementAndGet();
                }
            });
            reader.start();
            int swaps = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < end || swaps < 1000) {
                swaps++;
                vol.writeStrings(Map.of("tls.crt", Integer.toString(swaps), "tls.key", Integer.toString(swaps)));
            }
            String last = Integer.toString(swaps);
            await().atMost(Recorder.WITHIN).until(() -> r.last().get("tls.crt").equals(last));
            stop.set(true);
            reader.join();
            assertThat(swaps).isGreaterThanOrEqualTo(1000);
            assertThat(torn).hasValue(0);
            r.assertAllWhole();
            assertThat(s.current().values()).isEqualTo(onDisk(vol.dir()));
            System.out.printf(
                    "scenario 13: %d swaps, %d snapshots delivered, %d reads of current(), 0 torn%n",
                    swaps, r.seen.size(), reads.get());
        }
    }
}
