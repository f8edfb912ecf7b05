module kube-chaos-harness/nfq-delay

go 1.22
