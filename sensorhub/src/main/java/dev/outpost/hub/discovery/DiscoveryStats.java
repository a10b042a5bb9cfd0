package dev.outpost.hub.discovery;

/**
 * Counters of one node since it started: what came in and what was thrown away and why.
 *
 * @param accepted       SSDP datagrams handed to the UPnP stack
 * @param ignored        well-formed datagrams about other vendors' devices (normal on a LAN)
 * @param malformed      not SSDP, bad start line or header, missing or contradicting headers
 * @param truncated      headers not terminated by an empty line
 * @param oversized      bigger than 2048 bytes
 * @param flooded        dropped because more arrived than the node handles per second
 * @param spoofed        LOCATION pointing to another host than the datagram came from
 * @param foreignSource  from an address outside the subnets of the interface it arrived on
 * @param suppressed     pointing to a description that recently failed (not fetched again yet)
 * @param badDescriptions fetched descriptions that were broken, too big or contradicted themselves
 * @param searchesDropped M-SEARCH requests not answered because too many answers were pending
 */
public record DiscoveryStats(long accepted, long ignored, long malformed, long truncated, long oversized,
    long flooded, long spoofed, long foreignSource, long suppressed, long badDescriptions, long searchesDropped) {

  /** Every datagram that was dropped as bad or excess (not counting {@link #ignored}). */
  public long dropped() {
    return malformed + truncated + oversized + flooded + spoofed + foreignSource + suppressed;
  }
}
