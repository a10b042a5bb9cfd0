/** The firewall guides for admins, generated from the defaults of every role so they cannot drift. */
package dev.outpost.firewall;
