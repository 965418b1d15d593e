package io.filejobs.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import io.filejobs.config.Settings;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Hazelcast configuration of a filejobs node: {@code conf/cluster.xml} when present (else the
 * one vertx-hazelcast ships), then the {@code FILEJOBS_CLUSTER_*} settings on top: the interface
 * and port to bind, TCP-IP join with the listed members (never multicast), and failure detection
 * tuned so a silent member is dropped after {@value #MAX_NO_HEARTBEAT_SECONDS} s instead of 60.
 */
public final class ClusterConfig {

  private static final Logger log = LoggerFactory.getLogger(ClusterConfig.class);

  /** The Hazelcast file read when it exists. */
  public static final String FILE = "conf/cluster.xml";

  /** A member silent this long is dropped, with its event-bus consumers. */
  public static final int MAX_NO_HEARTBEAT_SECONDS = 10;

  static final String CLUSTER_NAME = "filejobs";

  private ClusterConfig() {}

  /** Reads and adjusts the configuration. Blocking: call it before Vert.x starts. */
  public static Config hazelcast(Settings settings) {
    Config config = base();
    config.setClusterName(CLUSTER_NAME);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty(
        "hazelcast.max.no.heartbeat.seconds", Integer.toString(MAX_NO_HEARTBEAT_SECONDS));
    config.setProperty("hazelcast.socket.bind.any", "false");
    // Members are listed (TCP-IP): no need for Hazelcast's default 5 s wait for others to show up
    // before the first join; a clustered node now starts in about 1 s more than a standalone one.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.clusterPort()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface(settings.clusterHost());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig()
        .setEnabled(true)
        .setMembers(settings.clusterMemberList())
        .addMember(settings.clusterHost() + ":" + settings.clusterPort());
    config.addListenerConfig(new ListenerConfig(new MembershipLog()));
    return config;
  }

  private static Config base() {
    Path file = Path.of(FILE);
    if (!Files.exists(file)) {
      return ConfigUtil.loadConfig();
    }
    try {
      return new XmlConfigBuilder(file.toString()).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + FILE, e);
    }
  }

  /** Logs who joins and who leaves. */
  private static final class MembershipLog implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      log.info(
          "cluster member joined: {} ({} members)",
          event.getMember().getAddress(),
          event.getMembers().size());
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      log.warn(
          "cluster member left: {} ({} members)",
          event.getMember().getAddress(),
          event.getMembers().size());
    }
  }
}
