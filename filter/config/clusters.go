package config

// CalloutClusters returns the Envoy clusters that the configuration sends
// HTTP callouts to, each once, in the order the sections name them. Each
// must be defined in Envoy, or every callout to it fails.
func (c *Config) CalloutClusters() []string {
	var names []string
	add := func(name string) {
		for _, seen := range names {
			if seen == name {
				return
			}
		}
		names = append(names, name)
	}

	if len(c.ClusterRateLimits.Rules) > 0 {
		add(c.ClusterRateLimits.Service.Cluster)
	}
	if c.Events.OTLP != nil {
		add(c.Events.OTLP.Cluster)
	}
	if c.JWT != nil {
		for _, p := range c.JWT.Providers {
			if p.Remote != nil {
				add(p.Remote.Cluster)
			}
			if p.Revocation != nil {
				add(p.Revocation.Cluster)
			}
		}
	}
	return names
}
