// Package mtp runs MTP levels 2 and 3 over TDM signalling channels for a
// signalling point, and offers the ISDN user part the interface
// sigtran/m3ua's Stack offers it over M3UA: SendISUP to a DPC and CIC,
// OnISUP with the routing label of what arrives, route availability
// (WaitRoute, Routes) and state events.
//
// Each link has one ordered event loop that owns its MTP2 machine
// (package tdm/mtp2), its timers and its channel (package tdm/channel,
// opened and reopened through LinkConfig.Open), with a reader goroutine
// feeding it received units. Each linkset has one loop that owns its
// level 3 machine (package tdm/linkset) and its timers. The loops talk
// through unbounded mailboxes, so neither can block the other; the
// caller's Send is refused with ErrCongested when a linkset's mailbox
// grows past a bound. Routing by DPC over the linksets is sigtran/route's.
package mtp
