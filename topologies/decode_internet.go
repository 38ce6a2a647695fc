package topologies

import "gopkg.in/yaml.v3"

// internet decodes the internet block; nil when n is nil.
func (d *decoder) internet(n *yaml.Node) *Internet {
	if n == nil {
		return nil
	}
	in := &Internet{Pos: posOf(n)}
	f := d.fields(n, "internet", "internet")
	if f == nil {
		return in
	}
	if v := f["dns"]; v != nil {
		in.DNS = d.address(v, "internet.dns", DefaultInternetDNS.String())
	}
	if v := f["hosts"]; v != nil {
		d.named(v, "internet.hosts", "internet host", "a mapping of host names to hosts, such as {web1: {address: 192.0.2.20, names: [api.example.com]}}",
			func(name string, key, v *yaml.Node, path string) {
				in.Hosts = append(in.Hosts, d.internetHost(name, key, v, path))
			})
	}
	in.applyDefaults()
	return in
}

// internetHost decodes one host of the internet.
func (d *decoder) internetHost(name string, key, n *yaml.Node, path string) *InternetHost {
	h := &InternetHost{Name: name, Pos: posOf(key)}
	f := d.fields(n, path, "internetHost")
	d.at(key, path)
	if f == nil {
		return h
	}
	if v := f["address"]; v != nil {
		h.Address = d.address(v, join(path, "address"), "192.0.2.20")
	}
	if v := f["role"]; v != nil {
		r, _ := d.str(v, join(path, "role"))
		h.Role = InternetRole(r)
	}
	if v := f["names"]; v != nil {
		h.Names = d.strings(v, join(path, "names"), "DNS names, such as [api.example.com]")
	}
	if v := f["serve"]; v != nil {
		for _, s := range d.strings(v, join(path, "serve"), "services, such as [http, https]") {
			h.Serve = append(h.Serve, Service(s))
		}
		if h.Serve == nil {
			h.Serve = []Service{} // serve: [] serves nothing
		}
	}
	if v := f["shared"]; v != nil {
		h.Shared = d.boolean(v, join(path, "shared"))
	}
	return h
}

// strings decodes a list of strings, recording each item's position; the
// result is empty, not nil, for an empty list. what describes the list.
func (d *decoder) strings(n *yaml.Node, path, what string) []string {
	items, ok := d.list(n, path, what)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		p := index(path, i)
		d.at(item, p)
		s, _ := d.str(item, p)
		out = append(out, s)
	}
	return out
}
