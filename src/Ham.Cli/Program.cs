Console.Error.WriteLine("ham: no commands yet");
return 1;
